#!/bin/sh
# onc gen --prefix: every type of all_types.x (structs, unions, enums, typedefs, inline
# definitions, lists) gets the prefix in C, and so does every function: the generated C
# compiles with -Werror and each global function of FILE_xdr.c, FILE_client.c and
# FILE_server.c (codecs, stubs, dispatchers, registrations) starts with the prefix. A prefix that
# cannot start a C name is refused, naming it.
# usage: prefix.sh ONC ONC_INCLUDE_DIR ALL_TYPES_X WORK_DIR CC
onc=$1
include=$2
x=$3
work=$4
cc=$5
failed=0
rm -rf "$work"
mkdir -p "$work"
if ! "$onc" gen --prefix p__ -o "$work" "$x"; then
	echo "FAIL: onc gen --prefix p__ $x"
	exit 1
fi
for c in "$work"/*.c; do
	if ! "$cc" -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -c -I "$include" \
		-o "${c%.c}.o" "$c"; then
		echo "FAIL: $(basename "$c") does not compile"
		failed=1
	fi
done
nm -g --defined-only "$work"/all_types_xdr.o "$work"/all_types_client.o "$work"/all_types_server.o |
	awk 'NF == 3 { print $3 }' >"$work/globals"
grep -v '^p__' "$work/globals" >"$work/unprefixed"
if ! grep -q '^p__.*_dispatch$' "$work/globals" || [ -s "$work/unprefixed" ]; then
	echo "FAIL: global functions of the generated C without the prefix (or no dispatcher):"
	cat "$work/unprefixed"
	failed=1
fi
# The runtime's types (onc_) and the built-in netobj (libtirpc's, coded in the header) keep
# their names; a variable-length array's anonymous struct is named after it, below.
grep '^typedef struct ' "$work/all_types.h" |
	grep -v '^typedef struct \(p__\|onc_\|netobj \|{$\)' >"$work/structs"
if [ -s "$work/structs" ]; then
	echo "FAIL: structs without the prefix:"
	cat "$work/structs"
	failed=1
fi
for bad in 1x a-b ""; do
	if "$onc" gen --prefix "$bad" -o "$work/bad" "$x" 2>"$work/stderr" ||
		! grep -q "onc gen: --prefix takes the start of a C name, not '$bad'" "$work/stderr"; then
		echo "FAIL: --prefix '$bad' was not refused as it should be:"
		cat "$work/stderr"
		failed=1
	fi
done
if "$onc" gen --lang python --prefix p__ -o "$work/py" "$x" 2>"$work/stderr" ||
	! grep -q "onc gen: --prefix is for C only" "$work/stderr"; then
	echo "FAIL: --prefix with --lang python was not refused"
	failed=1
fi
[ $failed = 0 ] && echo "ok: $(wc -l <"$work/globals") functions, all prefixed"
exit $failed
