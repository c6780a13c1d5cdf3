#!/bin/sh
# exports.sh LIBONC_SO INCLUDE_DIR [NM]: libonc.so exports exactly the functions declared in
# INCLUDE_DIR/onc/*.h: nothing internal (onc__ names, which -fvisibility=hidden keeps in), nothing
# else, and none of the declared ones missing (a declaration without ONC_API).
set -eu
so=$1
include=$2
nm=${3:-nm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A declaration starts at column 0 and names onc_NAME( ; the inline functions (static), the
# typedefs of function pointers and the macros (indented or #) are not exported.
awk '/^[A-Za-z]/ && !/^(static|typedef|extern) / && match($0, /onc_[a-z0-9_]*\(/) {
	print substr($0, RSTART, RLENGTH - 1)
}' "$include"/onc/*.h | sort -u >"$tmp/declared"

# GCC (before 14) exports the ifunc resolver of a target_clones function, F.resolver, beside F:
# it counts as F.
"$nm" -D --defined-only "$so" | awk '{ print $NF }' | sed 's/\.resolver$//' | sort -u \
	>"$tmp/exported"

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
echo "$(wc -l <"$tmp/exported") functions exported, $(wc -l <"$tmp/declared") declared"
exit $status
