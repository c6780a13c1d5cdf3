#!/bin/sh
# Golden files: what `onc gen` writes (C with --sample, and Python) for calc.x, all_types.x and
# two rpcsvc files (copies of /usr/include/rpcsvc/mount.x and nfs_prot.x, so that the system's
# version does not matter), compared byte for byte, so that a change to the generator shows up
# as a readable diff. Each file is generated twice, from different working directories (by an
# absolute path, then by a relative one): the output must not depend on either.
# Also python/onc/rpcb_prot.py, the Python runtime's copy of lib/rpcbind/rpcb_prot.x (checked
# in, so that the runtime works from the source tree without a build): it must be what onc gen
# writes today.
# usage: golden.sh ONC WORK_DIR [--update]   (`make golden` refreshes the files)
onc=$1
work=$2
update=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
golden=$here/golden
failed=0

gen() { # gen OUT X: both languages into OUT
	mkdir -p "$1" &&
		"$onc" gen --sample -o "$1" "$2" &&
		"$onc" gen --lang python -o "$1" "$2"
}

for x in "$root/examples/calc/calc.x" "$here/all_types.x" "$golden/mount.x" "$golden/nfs_prot.x"; do
	name=$(basename "$x" .x)
	rm -rf "$work/$name" "$work/$name.rel"
	(cd / && gen "$work/$name" "$x") || { echo "FAIL: onc gen $x"; failed=1; continue; }
	(cd "$(dirname "$x")" && gen "$work/$name.rel" "$(basename "$x")") ||
		{ echo "FAIL: onc gen $x (relative)"; failed=1; continue; }
	if ! diff -r "$work/$name" "$work/$name.rel" >"$work/$name.dirs.diff"; then
		echo "FAIL: $name: the output depends on the working directory:"
		cat "$work/$name.dirs.diff"
		failed=1
	fi
	# No test whose failure does what success does: a check jumping to the label right after
	# it, or returning s right before returning ONC_OK.
	for c in "$work/$name"/*.c; do
		awk '/^\tout:$|^out:$/ && prev ~ /goto out;$/ { print FILENAME ":" NR ": goto before its label"; bad = 1 }
		     /^\treturn ONC_OK;$/ && prev ~ /^\t\treturn s;$/ { print FILENAME ":" NR ": return s, then return ONC_OK"; bad = 1 }
		     { prev = $0 } END { exit bad }' "$c" || failed=1
	done
	if [ "$update" = --update ]; then
		rm -rf "${golden:?}/$name"
		cp -r "$work/$name" "$golden/$name"
	elif ! diff -ru "$golden/$name" "$work/$name"; then
		echo "FAIL: $name: the output differs from tests/compiler/golden/$name (above);" \
			"if the change is meant, run 'make golden' and commit the diff"
		failed=1
	fi
done
x=$root/lib/rpcbind/rpcb_prot.x
module=$root/python/onc/rpcb_prot.py
rm -rf "$work/rpcb_prot"
if ! "$onc" gen --lang python -o "$work/rpcb_prot" "$x"; then
	echo "FAIL: onc gen --lang python $x"
	failed=1
elif [ "$update" = --update ]; then
	cp "$work/rpcb_prot/rpcb_prot.py" "$module"
elif ! diff -u "$module" "$work/rpcb_prot/rpcb_prot.py"; then
	echo "FAIL: python/onc/rpcb_prot.py is not what onc gen writes for $x (above);" \
		"run 'make golden' and commit the diff"
	failed=1
fi
exit $failed
