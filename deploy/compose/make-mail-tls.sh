#!/bin/sh
# The mail catcher's STARTTLS certificate for compose.yaml: a private CA (the API and workers
# trust it through NODE_EXTRA_CA_CERTS) and a certificate for the host name `mailpit`, in
# deploy/compose/mail-tls/. Run once; a second run keeps what exists.
set -eu
dir="$(dirname "$0")/mail-tls"
mkdir -p "$dir"
cd "$dir"
[ -f mailpit.pem ] && { echo "$dir already holds a certificate"; exit 0; }
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj '/CN=Nurture mail catcher CA' \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=mailpit' -keyout mailpit.key -out mailpit.csr 2>/dev/null
printf 'subjectAltName=DNS:mailpit\n' > san.ext
openssl x509 -req -in mailpit.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
  -extfile san.ext -out mailpit.pem 2>/dev/null
rm -f mailpit.csr san.ext ca.srl ca.key
# mailpit reads its key as whatever user its image runs as.
chmod 0644 mailpit.key
echo "wrote $dir: ca.pem, mailpit.pem, mailpit.key"
