#!/bin/sh
# Hostile input: `onc gen` stays bounded on .x files made to blow it up. Each case writes its
# .x file, runs onc gen on it (C, then Python) under a memory limit and a 60 s timeout, and
# checks what came out. The timeout only detects hangs: every case takes about a second when
# the compiler is linear, and minutes (or a crash) when it is not.
# usage: bounds.sh CASE ONC WORK_DIR SANITIZED CC ONC_INCLUDE_DIR
#   wide      an enum of 100,000 members, a struct of 100,000 members, a union of 40,000 arms,
#             a program of 20,000 procedures (each was quadratic in the checks or emitters)
#   doubling  30 levels of structs each holding two of the one before (also through typedefs,
#             with enums): every output under 1 MB, and the C compiles (inlining every nested
#             struct of scalars doubled the C per level: 2^30 copies)
#   chains    50,000 structs each holding the one before, 50,000 typedefs of the one before
#             (a struct and a union's discriminant at the end), 50,000 structs pointing to
#             the next in a cycle, 50,000 typedefs each an array of the one before (Python
#             defaults were comprehensions nested 50,000 deep), 50,000 constants over an
#             undefined one (one error), a typedef cycle as a union's discriminant (looped
#             forever): the checks walk each chain once, with no recursion
#   names     a struct with a 10,000-character name and 2,000 inline members (named after it:
#             300 MB of C from 60 KB): names are at most 255 characters, and at 255 the output
#             stays under 16 MB
#   nesting   inline structs nested 64 deep (the limit: accepted, and the C compiles), 65 and
#             40,000 deep (one error at the 65th, in the usual format; no crash, no output)
# SANITIZED is 1 for an AddressSanitizer build, whose shadow memory a ulimit -v would not
# leave room for: then only the timeout applies.
set -u
case_=$1
onc=$2
work=$3/$1
sanitized=$4
cc=$5
include=$6
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

mkdir -p "$work"

# gen NAME X [onc gen options]: runs onc gen -o WORK/NAME X; the status is in $status and
# stderr in WORK/NAME.stderr. (Shell functions share their variables: name and x are gen's.)
gen() {
	name=$1
	x=$2
	shift 2
	rm -rf "${work:?}/$name"
	mkdir -p "$work/$name"
	(
		[ "$sanitized" = 1 ] || ulimit -v 1048576
		exec timeout 60 "$onc" gen "$@" -o "$work/$name" "$x"
	) >"$work/$name.stdout" 2>"$work/$name.stderr"
	status=$?
	case $status in
	124) echo "$name: onc gen did not finish in 60 s" ;;
	13[0-9]) echo "$name: onc gen died of signal $((status - 128))" ;;
	esac
}

# expect_ok NAME X [options]: onc gen succeeds (else a failure, and a false status).
expect_ok() {
	gen "$@"
	[ "$status" -eq 0 ] && return 0
	fail "$1: exit status $status, expected 0"
	head -5 "$work/$1.stderr"
	return 1
}

# expect_error NAME X MESSAGE [options]: onc gen fails with exactly one error, MESSAGE (which
# starts with X:LINE:COL), followed by the source line and a caret under the column, and
# writes nothing.
expect_error() {
	name=$1
	x=$2
	want=$3
	shift 3
	gen "$name" "$x" "$@"
	[ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1"
	[ -z "$(ls -A "$work/$name")" ] || fail "$name: output written"
	loc=${want%%: error:*}
	col=${loc##*:}
	line=${loc%:*}
	line=${line##*:}
	err=$work/$name.stderr
	[ "$(sed -n 1p "$err")" = "$want" ] || fail "$name: first line is not: $want"
	sed -n 2p "$err" | grep -q "^ *$line | " || fail "$name: no source line $line"
	[ "$(sed -n 3p "$err" | awk '{ print index($0, "^") }')" = $((col + 9)) ] ||
		fail "$name: caret not at column $col"
	[ "$(grep -c ': error: ' "$err")" -eq 1 ] || fail "$name: not exactly one error"
	[ "$failed" -eq 0 ] || head -5 "$err"
}

# compiles NAME BASE: the C that onc gen wrote for NAME compiles with -Werror.
compiles() {
	for part in xdr client server; do
		"$cc" -std=c11 -Wall -Wextra -Werror -I"$include" -c "$work/$1/$2_$part.c" \
			-o "$work/$1/$2_$part.o" || fail "$1: $2_$part.c does not compile"
	done
}

# small NAME: every file onc gen wrote for NAME is under 1 MB.
small() {
	for f in "$work/$1"/*; do
		size=$(wc -c <"$f")
		[ "$size" -lt 1048576 ] || fail "$1: $(basename "$f") is $size bytes"
	done
}

# repeat N FORMAT: FORMAT (with %d) for 0..N-1, one a line.
repeat() {
	awk -v n="$1" -v f="$2" 'BEGIN { for (i = 0; i < n; i++) printf f "\n", i, i }'
}

case $case_ in
wide)
	x=$work/wide_enum.x
	{
		echo "enum big {"
		repeat 100000 "	E%d = %d,"
		echo "	E_LAST };"
	} >"$x"
	expect_ok enum_c "$x"
	expect_ok enum_py "$x" --lang python
	x=$work/wide_struct.x
	{
		echo "struct wide {"
		repeat 100000 "	int f%d;"
		echo "};"
	} >"$x"
	expect_ok struct_c "$x"
	expect_ok struct_py "$x" --lang python
	x=$work/wide_union.x
	{
		echo "union wide switch (int d) {"
		repeat 40000 "case %d: int f%d;"
		echo "};"
	} >"$x"
	expect_ok union_c "$x"
	expect_ok union_py "$x" --lang python
	x=$work/wide_program.x
	{
		echo "program WIDE_PROG { version WIDE_V1 {"
		repeat 20000 "	int WIDE_P%d(int) = %d;"
		echo "} = 1; } = 0x20000123;"
	} >"$x"
	expect_ok program_c "$x"
	expect_ok program_py "$x" --lang python
	;;
doubling)
	x=$work/doubling.x
	{
		echo "struct s0 { int x; };"
		echo "enum color { RED = 1, GREEN = 2 };"
		echo "struct r0 { color c; hyper h; };"
		echo "typedef r0 t0;"
		i=1
		while [ $i -le 30 ]; do
			p=$((i - 1))
			echo "struct s$i { s$p a; s$p b; };"
			echo "struct r$i { t$p a; unsigned n; t$p b; };"
			echo "typedef r$i t$i;"
			i=$((i + 1))
		done
	} >"$x"
	expect_ok doubling_c "$x" && small doubling_c && compiles doubling_c doubling
	expect_ok doubling_py "$x" --lang python && small doubling_py
	;;
chains)
	awk 'BEGIN { print "struct t0 { int x; };"
		for (i = 1; i <= 50000; i++) printf "struct t%d { t%d a; };\n", i, i - 1 }' \
		>"$work/structs.x"
	awk 'BEGIN { print "typedef int d0;"
		for (i = 1; i <= 50000; i++) printf "typedef d%d d%d;\n", i - 1, i
		print "struct uses { d50000 x; d50000 y<>; d50000 *z; };"
		print "union picks switch (d50000 k) { case 1: d50000 v; default: void; };" }' \
		>"$work/typedefs.x"
	awk 'BEGIN { for (i = 0; i < 50000; i++) printf "struct n%d { int v; n%d *next; };\n", i, (i + 1) % 50000 }' \
		>"$work/cycle.x"
	awk 'BEGIN { print "typedef int a0[1];"
		for (i = 1; i <= 50000; i++) printf "typedef a%d a%d[1];\n", i - 1, i
		print "struct uses { a50000 x; a50000 y[1]; };" }' >"$work/arrays.x"
	for chain in structs typedefs cycle arrays; do
		expect_ok ${chain}_c "$work/$chain.x" # (the compiler takes minutes on that C)
		expect_ok ${chain}_py "$work/$chain.x" --lang python
	done
	if [ -f "$work/arrays_py/arrays.py" ]; then
		# Linear in the chain: half the chain, at least half the output (not a quarter, as
		# output quadratic in the depth would be).
		{ head -25001 "$work/arrays.x"; echo "struct uses { a25000 x; a25000 y[1]; };"; } \
			>"$work/half.x"
		expect_ok half_py "$work/half.x" --lang python
		size=$(wc -c <"$work/arrays_py/arrays.py")
		half=$(wc -c <"$work/half_py/half.py")
		[ "$size" -lt $((half * 21 / 10)) ] ||
			fail "arrays_py: $size bytes for 50,000 typedefs, $half for 25,000: not linear"
		grep -q '_default_a49999() for _ in range(1)' "$work/arrays_py/arrays.py" ||
			fail "arrays_py: the defaults of array typedefs are not functions"
	fi
	awk 'BEGIN { print "const c0 = MISSING;"
		for (i = 1; i <= 50000; i++) printf "const c%d = c%d;\n", i, i - 1 }' \
		>"$work/constants.x"
	expect_error constants "$work/constants.x" \
		"$work/constants.x:1:12: error: undefined constant 'MISSING' used in a constant"
	printf 'typedef b a;\ntypedef a b;\nunion u switch (a d) { case 1: void; };\n' \
		>"$work/typedef_cycle.x"
	expect_error typedef_cycle "$work/typedef_cycle.x" \
		"$work/typedef_cycle.x:2:11: error: 'a' contains itself by value (infinite size): make 'b' optional ('*') or a variable-length array"
	;;
names)
	members() {
		awk -v len="$1" 'BEGIN { for (i = 0; i < len; i++) name = name "n"
			printf "struct %s {\n", name
			for (i = 0; i < 2000; i++) printf "\tstruct { int a; } m%d;\n", i
			print "};" }'
	}
	members 10000 >"$work/long.x"
	expect_error long "$work/long.x" "$work/long.x:1:8: error: name longer than 255 characters"
	members 255 >"$work/longest.x"
	expect_ok longest_c "$work/longest.x" && compiles longest_c longest
	expect_ok longest_py "$work/longest.x" --lang python
	# Linear in the length of names: names half as long, at least half the output.
	members 127 >"$work/shorter.x"
	expect_ok shorter_c "$work/shorter.x"
	expect_ok shorter_py "$work/shorter.x" --lang python
	size=$(cat "$work"/longest_c/*.[ch] "$work"/longest_py/*.py | wc -c)
	half=$(cat "$work"/shorter_c/*.[ch] "$work"/shorter_py/*.py | wc -c)
	[ "$size" -lt $((half * 21 / 10)) ] ||
		fail "longest: $size bytes of output for names of 255 characters, $half for 127: not linear"
	;;
nesting)
	# struct top { struct { ... struct { int x; } m0; ... } mN-1; };
	nest() {
		echo "struct top {"
		repeat "$1" "struct {"
		echo "int x;"
		repeat "$1" "} m%d;"
		echo "};"
	}
	nest 64 >"$work/deep64.x"
	expect_ok deep64_c "$work/deep64.x" && compiles deep64_c deep64
	expect_ok deep64_py "$work/deep64.x" --lang python
	nest 65 >"$work/deep65.x"
	expect_error deep65 "$work/deep65.x" \
		"$work/deep65.x:66:1: error: inline definitions nested more than 64 deep"
	nest 40000 >"$work/deep40000.x"
	expect_error deep40000_c "$work/deep40000.x" \
		"$work/deep40000.x:66:1: error: inline definitions nested more than 64 deep"
	expect_error deep40000_py "$work/deep40000.x" \
		"$work/deep40000.x:66:1: error: inline definitions nested more than 64 deep" \
		--lang python
	;;
*)
	fail "unknown case $case_"
	;;
esac
exit $failed
