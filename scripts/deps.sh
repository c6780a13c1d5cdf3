#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmarks need, when missing.
# Fast when everything is present: it only looks at files.
#   scripts/deps.sh          what the build and the tests need
#   scripts/deps.sh bench    also what only `make bench` uses (gRPC)
set -euo pipefail

need=()
have() { [ -e "$1" ]; }
have /usr/include/cmocka.h || need+=(libcmocka-dev)
have /usr/include/tirpc/rpc/rpc.h || need+=(libtirpc-dev)
# JSON, for onc call.
have /usr/include/jansson.h || need+=(libjansson-dev)
# ntirpc, optional third column of the null-call benchmark (bench_ntirpc).
have /usr/include/ntirpc/rpc/rpc.h || need+=(libntirpc-dev)
have /usr/bin/rpcgen || need+=(rpcsvc-proto)
# RPC-with-TLS (RFC 9289): OpenSSL 3; the openssl CLI makes the tests' certificates and tshark
# (with its dumpcap) checks what a capture shows.
have /usr/include/openssl/ssl.h || need+=(libssl-dev)
command -v openssl >/dev/null || need+=(openssl)
command -v tshark >/dev/null || need+=(tshark)
have /usr/sbin/rpcbind || need+=(rpcbind)
have /usr/bin/ss || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
/usr/bin/python3 -c 'import pytest' 2>/dev/null || need+=(python3-pytest)
# mypy checks that the runtime and generated Python modules are typed, and pip installs the
# runtime (offline) to check that what it installs is typed too (tests/python/test_typed.py).
/usr/bin/python3 -c 'import mypy' 2>/dev/null || need+=(python3-mypy)
/usr/bin/python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(gcc)
command -v clang >/dev/null || need+=(clang)
# libFuzzer's runtime: Debian's clang only recommends it.
command -v clang >/dev/null && [ -e "$(clang -print-file-name=libclang_rt.fuzzer-$(uname -m).a)" ] ||
	need+=(libclang-rt-14-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
# The man pages are written for scdoc.
command -v scdoc >/dev/null || need+=(scdoc)
# Daemons and clients nobody here wrote, as peers of onc rpcbind (tests/peers).
have /usr/sbin/rpc.rstatd || need+=(rstatd)
have /usr/sbin/rpc.rusersd || need+=(rusersd)
have /usr/bin/rup || need+=(rstat-client)
have /usr/bin/rusers || need+=(rusers)
have /usr/sbin/ypserv || need+=(ypserv)
have /usr/bin/ypcat || need+=(yp-tools)
# yp.x, the NIS protocol the tests' onc clients of ypserv are generated from.
have /usr/include/rpcsvc/yp.x || need+=(libnsl-dev)
have /usr/bin/ganesha.nfsd || need+=(nfs-ganesha)
have "/usr/lib/$(uname -m)-linux-gnu/ganesha/libfsalvfs.so" || need+=(nfs-ganesha-vfs)
have /usr/sbin/showmount || need+=(nfs-common)
# systemd-socket-activate, which starts onc rpcbind as rpcbind.socket would.
have /usr/bin/systemd-socket-activate || need+=(systemd)
# /etc/rpc: the program names `onc info -p` shows, as rpcinfo does.
have /etc/rpc || need+=(netbase)
if [ "${1:-}" = bench ]; then
	# gRPC, the benchmark's column for what a new project would pick instead (bench_grpc).
	have /usr/include/grpcpp/grpcpp.h || need+=(libgrpc++-dev)
	have /usr/bin/grpc_cpp_plugin || need+=(protobuf-compiler-grpc)
	have /usr/bin/protoc || need+=(protobuf-compiler)
	command -v c++ >/dev/null || need+=(g++)
	# grpcio, the Python benchmark's gRPC client (python/bench_python.py).
	/usr/bin/python3 -c 'import grpc' 2>/dev/null || need+=(python3-grpcio)
	# libtirpc through stunnel, the TLS benchmark's "what people do today" (bench_tls).
	command -v stunnel4 >/dev/null || need+=(stunnel4)
fi

[ ${#need[@]} -eq 0 ] && exit 0

echo "deps: installing ${need[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
