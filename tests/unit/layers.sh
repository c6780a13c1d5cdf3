#!/bin/sh
# layers.sh SRC: each layer of lib/ includes only the layers below it (DESIGN.md: data flows
# one way; rpcbind sits on top of client and server, never under). Fails naming each include
# that reaches up or sideways. The order: xdr < rpc < net < client, server < rpcbind.
src=${1:?usage: layers.sh SOURCE_DIR}
cd "$src" || exit 1
allowed() { # the headers a layer may include, as patterns
	case $1 in
	xdr) echo 'onc/status.h onc/xdr.h' ;;
	rpc) echo 'onc/status.h onc/xdr.h onc/rpc.h' ;;
	net) echo 'onc/status.h' ;;
	client) echo 'onc/status.h onc/xdr.h onc/rpc.h onc/client.h ../net/*' ;;
	server) echo 'onc/status.h onc/xdr.h onc/rpc.h onc/server.h ../net/*' ;;
	rpcbind) echo 'onc/* ../client/* ../server/* ../net/*' ;;
	esac
}
bad=0
for f in lib/*/*.c lib/*/*.h; do
	layer=$(basename "$(dirname "$f")")
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case $inc in ../*|onc/*) ;; *) continue ;; esac # the layer's own files
		ok=0
		for pat in $(allowed "$layer"); do
			# shellcheck disable=SC2254
			case $inc in $pat) ok=1 ;; esac
		done
		if [ $ok -eq 0 ]; then
			echo "$f: includes \"$inc\", which is not below the $layer layer"
			bad=1
		fi
	done
done
[ $bad -eq 0 ] && echo "layers: every include of lib/ points down"
exit $bad
