#!/usr/bin/env bash
# `make demo`: builds everything and shows what works so far.
# The calc example end to end (server, client, rpcbind) arrives with the runtime issue.
set -euo pipefail
build=${1:-build}
echo "onc demo"
echo "  built: libonc ($build/lib/libonc.a, $build/lib/libonc.so)"
if [ -x "$build/cli/onc" ]; then
	echo "  built: the onc command ($build/cli/onc)"
fi
echo "  not there yet: the calc example end to end (needs the client/server runtime)."
