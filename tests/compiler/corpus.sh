#!/bin/sh
# Corpus test: every .x file of /usr/include/rpcsvc and libtirpc's rpcb_prot.x goes through
# `onc gen --sample`, and all of the output (types, client and server stubs, samples)
# compiles with -Werror under each given compiler.
# usage: corpus.sh ONC ONC_INCLUDE_DIR TIRPC_INCLUDE_DIR ALL_TYPES_X WORK_DIR CC...
# (all_types.x, the test file using every construct, gets the same treatment.)
#
# Two files need more than onc gen's output:
# - nis_callback.x uses nis_object and nis_error without defining or including them (rpcgen's
#   own output for it does not compile either: it includes a "nis_clnt.h" that does not
#   exist), so onc gen must reject it, naming the undefined type;
# - rpcb_prot.x's `%` lines are C for rpcgen's environment (bool_t, XDR, rpcprog_t), so the
#   output is compiled with <rpc/types.h> and <rpc/xdr.h> included first.
# Several files' `%` lines carry `#pragma ident`, hence -Wno-unknown-pragmas.
onc=$1
onc_include=$2
tirpc_include=$3
all_types=$4
work=$5
shift 5
failed=0
count=0

# forward.x (next to all_types.x) uses types before it defines them.
for x in /usr/include/rpcsvc/*.x "$tirpc_include/rpc/rpcb_prot.x" "$all_types" \
	"$(dirname "$all_types")/forward.x"; do
	name=$(basename "$x" .x)
	out="$work/$name"
	rm -rf "$out"
	mkdir -p "$out"
	count=$((count + 1))
	if [ "$name" = nis_callback ]; then
		if "$onc" gen -o "$out" "$x" 2>"$out/stderr"; then
			echo "FAIL: $name: accepted"
			failed=1
		elif ! grep -q "nis_callback.x:51:9: error: undefined type 'nis_object'" "$out/stderr"; then
			echo "FAIL: $name: unexpected messages:"
			cat "$out/stderr"
			failed=1
		fi
		continue
	fi
	if ! "$onc" gen --sample -o "$out" "$x" 2>"$out/stderr"; then
		echo "FAIL: onc gen $x:"
		cat "$out/stderr"
		failed=1
		continue
	fi
	extra=
	[ "$name" = rpcb_prot ] && extra="-include rpc/types.h -include rpc/xdr.h"
	for cc in "$@"; do
		for part in xdr client server server_sample client_sample; do
			# shellcheck disable=SC2086
			if ! "$cc" -std=c11 -Wall -Wextra -Werror -Wno-unknown-pragmas -I"$onc_include" -I"$tirpc_include" $extra \
				-c "$out/${name}_$part.c" -o "$out/${name}_$part.o"; then
				echo "FAIL: $cc on ${name}_$part.c for $x"
				failed=1
			fi
		done
	done
done
echo "$count corpus files"
[ "$count" -ge 19 ] || { echo "FAIL: corpus files missing"; failed=1; }
exit $failed
