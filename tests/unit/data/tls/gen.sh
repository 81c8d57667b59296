#!/bin/sh
# Regenerate the TLS test certificates (run once; the outputs are checked in).
# ca.pem: P-256 CA; leaf.pem/leaf.key: P-256 server cert for localhost and
# 127.0.0.1, signed by ca; other-ca.pem: an unrelated CA (unknown_ca cases).
set -e
cd "$(dirname "$0")"
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ec ca.key
openssl req -x509 -new -key ca.key -sha256 -days 36500 -subj /CN=Timegate-Test-CA \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out ca.pem
ec leaf.key
openssl req -new -key leaf.key -subj /CN=localhost -out leaf.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 -sha256 \
	-extfile leaf.ext -out leaf.pem
ec other-ca.key
openssl req -x509 -new -key other-ca.key -sha256 -days 36500 -subj /CN=Other-CA \
	-addext basicConstraints=critical,CA:TRUE -out other-ca.pem
rm -f leaf.csr leaf.ext ca.srl ca.key other-ca.key
