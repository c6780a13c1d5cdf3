#!/bin/sh
# Error tests: every errors/*.x must be rejected (exit status 1) with exactly the errors its
# `// expect: [file:]line:col: error: message` comments list, each followed by its source line
# and a caret under the column, and with no output file written.
# usage: errors.sh ONC ERRORS_DIR WORK_DIR
onc=$1
dir=$2
work=$3
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

for x in "$dir"/*.x; do
	name=$(basename "$x" .x)
	out="$work/$name"
	rm -rf "$out"
	mkdir -p "$out"
	"$onc" gen -o "$out" "$x" >"$out.stdout" 2>"$out.stderr"
	status=$?
	[ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1"
	[ -z "$(ls -A "$out")" ] || fail "$name: output written: $(ls -A "$out")"
	expected=0
	grep '^// expect: ' "$x" | sed 's|^// expect: ||' >"$out.expect"
	while IFS= read -r e; do
		expected=$((expected + 1))
		case "$e" in
		[0-9]*) want="$x:$e" ;;
		*) want="$dir/$e" ;;
		esac
		loc=${want%%: error:*}
		col=${loc##*:}
		line=${loc%:*}
		line=${line##*:}
		# the message, then " LINE | source", then the caret at the column
		awk -v want="$want" -v line="$line" -v col="$col" '
			found == 1 { if ($0 !~ "^ *" line " \\| ") exit 2; found = 2; next }
			found == 2 { exit (index($0, "^") == col + 9) ? 0 : 3 }
			$0 == want { found = 1 }
			END { if (found == 0) exit 1 }' "$out.stderr"
		case $? in
		0) ;;
		1) fail "$name: missing: $want" ;;
		2) fail "$name: no source line after: $want" ;;
		3) fail "$name: caret not at column $col after: $want" ;;
		esac
	done <"$out.expect"
	got=$(grep -c ': error: ' "$out.stderr")
	[ "$got" -eq "$expected" ] || fail "$name: $got errors reported, $expected expected"
	if [ "$failed" -ne 0 ]; then
		echo "--- stderr of $name:"
		cat "$out.stderr"
	fi
done
# Past the limit (20 errors) the compiler stops, says so, and still fails.
many="$work/too_many.x"
i=1
while [ $i -le 25 ]; do
	echo "struct s$i { missing$i x; };"
	i=$((i + 1))
done >"$many"
"$onc" gen -o "$work" "$many" >/dev/null 2>"$work/too_many.stderr"
status=$?
[ "$status" -eq 1 ] || fail "too_many: exit status $status, expected 1"
[ "$(grep -c ': error: ' "$work/too_many.stderr")" -eq 20 ] || fail "too_many: not 20 errors"
grep -q "too_many.x:20:14: error: undefined type 'missing20'" "$work/too_many.stderr" ||
	fail "too_many: 20th error missing"
grep -q 'too many errors, stopping' "$work/too_many.stderr" || fail "too_many: no stop message"
exit $failed
