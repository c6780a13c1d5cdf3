#!/bin/sh
# exports.sh LIBONC_SO LIBONC_A INCLUDE_DIR [NM]: libonc.so exports exactly the functions declared
# in INCLUDE_DIR/onc/*.h: nothing internal (onc__ names, which -fvisibility=hidden keeps in),
# nothing else, and none of the declared ones missing (a declaration without ONC_API). And every
# global name of libonc.a is one of those or an internal onc__ one, so that none clashes with a
# program's own names.
set -eu
so=$1
archive=$2
include=$3
nm=${4:-nm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A declaration starts at column 0 and names onc_NAME( ; the inline functions (static), the
# typedefs of function pointers and the macros (indented or #) are not exported.
awk '/^[A-Za-z]/ && !/^(static|typedef|extern) / && match($0, /onc_[a-z0-9_]*\(/) {
	print substr($0, RSTART, RLENGTH - 1)
}' "$include"/onc/*.h | sort -u >"$tmp/declared"

# GCC (before 14) exports the ifunc resolver of a target_clones function, F.resolver, beside F:
# it counts as F. In an archive's listing, the lines of three fields are the symbols.
"$nm" -D --defined-only "$so" | awk '{ print $NF }' | sed 's/\.resolver$//' | sort -u \
	>"$tmp/exported"
"$nm" -g --defined-only "$archive" | awk 'NF == 3 { print $3 }' | sed 's/\.resolver$//' |
	sort -u >"$tmp/global"

status=0
if grep '^onc__' "$tmp/exported" >"$tmp/internal"; then
	echo "exported, but internal (onc__):"
	sed 's/^/  /' "$tmp/internal"
	status=1
fi
if comm -23 "$tmp/exported" "$tmp/declared" | grep -v '^onc__' >"$tmp/extra"; then
	echo "exported, but declared in no public header (internal: static or onc__):"
	sed 's/^/  /' "$tmp/extra"
	status=1
fi
if comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/missing" && [ -s "$tmp/missing" ]; then
	echo "declared in $include/onc, but not exported (ONC_API missing?):"
	sed 's/^/  /' "$tmp/missing"
	status=1
fi
if comm -23 "$tmp/global" "$tmp/declared" | grep -v '^onc__' >"$tmp/unprefixed"; then
	echo "global in $(basename "$archive"), but neither public nor onc__ (make it static or onc__):"
	sed 's/^/  /' "$tmp/unprefixed"
	status=1
fi
echo "$(wc -l <"$tmp/exported") functions exported, $(wc -l <"$tmp/declared") declared," \
	"$(wc -l <"$tmp/global") global in $(basename "$archive")"
exit $status
