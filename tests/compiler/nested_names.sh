#!/bin/sh
# Inline definitions nested in inline definitions, two of them named after the same member
# (nested_names.x): onc gen accepts the file, names each after its whole path, and the output
# works in both languages. The C compiles with -Werror and round-trips values of every type
# (nested_names.c); the Python module imports, packs the same values to the same bytes as
# the C, and unpacks the C's bytes to the same values.
# usage: nested_names.sh ONC X_FILE WORK_DIR CC ONC_INCLUDE_DIR LIBONC C_TEST PYTHON PYTHON_DIR
#                       SANITIZED (1 when libonc is built with the sanitizers: so is the test)
set -u
onc=$1
x=$2
work=$3
cc=$4
include=$5
libonc=$6
c_test=$7
python=$8
python_dir=$9
sanitize=
[ "${10}" = 1 ] && sanitize=-fsanitize=address,undefined
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

rm -rf "$work"
mkdir -p "$work/c" "$work/py"
if ! "$onc" gen -o "$work/c" "$x"; then
	fail "onc gen rejected $x"
elif ! "$cc" $sanitize -std=c11 -Wall -Wextra -Werror -pedantic -I"$include" -I"$work/c" "$c_test" \
	"$work/c/nested_names_xdr.c" "$libonc" -o "$work/c/roundtrip"; then
	fail "the C does not compile"
elif ! "$work/c/roundtrip" >"$work/c/bytes"; then
	fail "C round trip"
fi
if ! "$onc" gen --lang python -o "$work/py" "$x"; then
	fail "onc gen --lang python rejected $x"
elif ! PYTHONPATH="$work/py:$python_dir" "$python" - "$work/c/bytes" <<'PY'; then
import sys

import onc
import nested_names as nn

values = {
    "outer": nn.outer(nn.outer_m(nn.outer_m_m(7, "hi"), nn.outer_m_u(1, nn.outer_m_u_m(-5)), 9)),
    "pair": nn.pair(nn.pair_in(3), nn.NN_B),
    "in": nn.in_(4),
    "pointer": nn.pointer_element(11),
}
c_bytes = {}
with open(sys.argv[1]) as f:
    for line in f:
        name, hexa = line.split()
        c_bytes[name] = bytes.fromhex(hexa)
assert sorted(c_bytes) == sorted(values), sorted(c_bytes)
for name, v in values.items():
    p = onc.Packer()
    getattr(nn, "pack_" + name)(p, v)
    assert p.get_buffer() == c_bytes[name], (name, p.get_buffer().hex(), c_bytes[name].hex())
    u = onc.Unpacker(c_bytes[name])
    assert getattr(nn, "unpack_" + name)(u) == v, name
    u.done()
PY
	fail "Python round trip"
fi
exit $failed
