# Sourced first by the tests that run real daemons beside onc rpcbind: runs the test again in
# private namespaces (network, with only its own loopback, so port 111 is free; mount, with a
# private tmpfs on /run; pid, so that daemons that fork and leave end with the test; UTS, for
# the NIS domain name), and gives it $tmp (removed at exit), fail, check, wait_for and finish.
if [ -z "${ONC_IN_NETNS:-}" ]; then
	ONC_IN_NETNS=1 exec unshare --net --mount --pid --uts --fork --kill-child --mount-proc \
		"$0" "$@"
fi
mount -t tmpfs tmpfs /run
ip link set lo up
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 passed=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

check() { # check NAME COMMAND...: passes when the command succeeds, else shows its output
	local name=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		fail "$name"
		cat "$tmp/check.out"
	fi
}

wait_for() { # wait_for COMMAND...: until it succeeds, 20 s at most
	for _ in $(seq 200); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

finish() { # finish MESSAGE: exits 1 after any failure, else says MESSAGE
	if [ "$failed" -ne 0 ]; then
		echo "$failed failed"
		exit 1
	fi
	echo "ok: $*"
}
