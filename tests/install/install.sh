#!/bin/sh
# Installs the build into a fresh prefix, then builds a small project outside the tree against
# it both ways a user would, and runs it: find_package(onc 0.1) with onc_generate() (C and
# Python), and pkg-config with the installed onc command. Nothing may point back at the
# build or source tree, nor at the prefix CMake was configured with.
# usage: install.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -u
build=$1
src=$2
work=$3
here=$src/tests/install
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }

# find_package(onc 0.1) and onc_generate()
if cmake -S "$here/project" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 &&
	cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1; then
	out=$("$work/cmake/hello") || fail "find_package build: hello failed: $out"
	[ "$out" = "hello, onc; hello, onc" ] || fail "find_package build: hello said '$out'"
	PYTHONPATH="$src/python:$work/cmake/py" python3 -c 'import hello; assert hello.HELLO_PROG == 0x20000bad' ||
		fail "find_package build: hello.py"
else
	cat "$work/cmake.log"
	fail "the find_package(onc 0.1) project did not build"
fi
# an older version than asked for is refused
cat >"$work/too_new.cmake" <<'EOC'
find_package(onc 0.2 QUIET)
if(onc_FOUND)
  message(FATAL_ERROR "onc 0.2 found")
endif()
EOC
cmake -DCMAKE_PREFIX_PATH="$prefix" -P "$work/too_new.cmake" || fail "find_package(onc 0.2) found 0.1"

# pkg-config, and the onc command from the prefix
pc=$(find "$prefix" -name onc.pc)
export PKG_CONFIG_PATH="${pc%/onc.pc}"
[ "$(pkg-config --variable=prefix onc | xargs realpath)" = "$(realpath "$prefix")" ] ||
	fail "onc.pc: prefix is $(pkg-config --variable=prefix onc), not $prefix"
mkdir -p "$work/pc"
"$prefix/bin/onc" gen -o "$work/pc" "$here/hello.x" || fail "the installed onc gen"
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Wextra -Werror -o "$work/pc/hello" "$here/hello.c" "$work/pc/hello_xdr.c" \
	"$work/pc/hello_client.c" "$work/pc/hello_server.c" -I"$work/pc" \
	$(pkg-config --cflags --libs onc) -lpthread; then
	libdir=$(pkg-config --variable=libdir onc)
	out=$(LD_LIBRARY_PATH="$libdir" "$work/pc/hello") || fail "pkg-config build: hello failed: $out"
	[ "$out" = "hello, onc; hello, onc" ] || fail "pkg-config build: hello said '$out'"
else
	fail "the pkg-config build"
fi
# nothing installed names the build or source tree
if grep -rl -e "$build" -e "$src/" "$prefix" --include='*.cmake' --include='*.pc' 2>/dev/null; then
	fail "installed files name the build or source tree (above)"
fi
for page in onc onc-gen onc-info onc-rpcbind; do
	man -l "$prefix/share/man/man1/$page.1" 2>/dev/null | grep -q "^NAME" ||
		fail "man page $page.1 not installed or not readable"
done
exit $failed
