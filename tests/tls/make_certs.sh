#!/bin/sh
# Makes the certificates of the TLS tests in DIR with the openssl CLI:
#   ca.pem/ca.key           the test CA
#   server.pem/server.key   CN=onc-test-server, SANs DNS:localhost, IP:127.0.0.1, IP:::1
#   client.pem/client.key   CN=onc-test-client, SAN DNS:client.example (for mutual TLS)
#   other-ca.pem            a CA that signed none of them
#   expired.pem/expired.key the server's names, signed by the CA, expired
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -s expired.pem ] && exit 0
q() { "$@" >/dev/null 2>&1; }
key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
key ca.key
q openssl req -x509 -new -key ca.key -subj "/CN=onc test CA" -days 30 -out ca.pem
key other-ca.key
q openssl req -x509 -new -key other-ca.key -subj "/CN=some other CA" -days 30 -out other-ca.pem
# issue NAME SUBJECT SANS DAYS-OFFSET...: a certificate signed by the test CA
issue() {
	key "$1.key"
	q openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$1.ext"
	q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -extfile "$1.ext" \
		-out "$1.pem" $4
}
issue server "/CN=onc-test-server/O=onc" "DNS:localhost,IP:127.0.0.1,IP:::1" "-days 30"
issue client "/CN=onc-test-client/O=onc" "DNS:client.example" "-days 30"
# Valid from 20 days ago to 10 days ago: `openssl ca` sets both dates (x509 -req cannot before
# OpenSSL 3.4).
key expired.key
q openssl req -new -key expired.key -subj "/CN=onc-test-server/O=onc" -out expired.csr
: >index.txt
cat >ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = ca.srl
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
[any]
commonName = supplied
CNF
q openssl ca -batch -config ca.cnf -in expired.csr -out expired.pem -notext -extfile server.ext \
	-startdate "$(date -u -d '20 days ago' +%Y%m%d%H%M%SZ)" \
	-enddate "$(date -u -d '10 days ago' +%Y%m%d%H%M%SZ)"
