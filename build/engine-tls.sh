#!/usr/bin/env bash
# Certificates for the engine's TLS endpoint on 127.0.0.1:2376 (idempotent, as root): a test CA, a server
# certificate for 127.0.0.1/localhost and a client certificate, as `dockerd --tlsverify` and DOCKER_CERT_PATH use
# them. The client directory (ca.pem, cert.pem, key.pem) is what tests put in DOCKER_CERT_PATH or a Docker context.
set -euo pipefail
dir=/etc/pipelineimage/engine-tls
log() { printf '[engine-tls] %s\n' "$*" >&2; }

if [ -f "$dir/client/key.pem" ] && [ -f "$dir/server-key.pem" ]; then
  exit 0
fi

log "generating a test CA, server and client certificates in $dir"
rm -rf "$dir"
mkdir -p "$dir/client"
cd "$dir"
openssl genrsa -out ca-key.pem 2048 2>/dev/null
openssl req -x509 -new -key ca-key.pem -days 3650 -subj "/CN=PipelineImage test engine CA" -out ca.pem
openssl genrsa -out server-key.pem 2048 2>/dev/null
openssl req -new -key server-key.pem -subj "/CN=127.0.0.1" -out server.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server-cert.pem 2>/dev/null
openssl genrsa -out client/key.pem 2048 2>/dev/null
openssl req -new -key client/key.pem -subj "/CN=pipelineimage-tests" -out client.csr
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out client/cert.pem 2>/dev/null
cp ca.pem client/ca.pem
rm -f server.csr client.csr server.ext client.ext
chmod 0600 ca-key.pem server-key.pem
chmod 0755 . client
chmod 0644 client/key.pem  # test credentials, read by whoever runs the tests
