#!/bin/bash
# Installs the platform's wildcard certificate for nginx, from the Secrets Manager value on stdin
# ({"certificate": PEM chain, "privateKey": PEM, "notAfter": ISO, "domain": "*.<jitsiDomain>"}, written by the
# certificate function). Refuses, with one line on stderr naming the problem, a value that is not JSON, lacks
# a field, expires within MIN_VALID_SECONDS, does not cover HOSTNAME, or whose key does not match: the caller
# ends the meeting FAILED with that line instead of serving a certificate browsers would reject.
#   install-certificate.sh HOSTNAME DIR MIN_VALID_SECONDS < secret.json
set -euo pipefail
hostname=$1
dir=$2
min_valid_seconds=$3
die() {
  echo "certificate: $*" >&2
  exit 1
}

json=$(cat)
jq -e 'type == "object"' >/dev/null 2>&1 <<<"$json" || die "the secret is not a JSON object"
cert=$(jq -er '.certificate | select(type == "string" and length > 0)' <<<"$json") ||
  die "the secret has no certificate"
key=$(jq -er '.privateKey | select(type == "string" and length > 0)' <<<"$json") ||
  die "the secret has no privateKey"

install -d -m 0700 "$dir"
umask 077
printf '%s\n' "$cert" >"${dir}/fullchain.pem.new"
printf '%s\n' "$key" >"${dir}/privkey.pem.new"

not_after=$(openssl x509 -in "${dir}/fullchain.pem.new" -noout -enddate 2>/dev/null) ||
  die "the certificate is not PEM"
if ! openssl x509 -in "${dir}/fullchain.pem.new" -noout -checkend "$min_valid_seconds" >/dev/null; then
  die "expires too soon (${not_after#notAfter=}); renew it with the certificate function"
fi
# X509_check_host: a wildcard *.<jitsiDomain> covers <meeting-id>.<jitsiDomain>, nothing deeper.
if ! openssl x509 -in "${dir}/fullchain.pem.new" -noout -checkhost "$hostname" | grep -q ' does match '; then
  die "not valid for ${hostname}"
fi
cert_key=$(openssl x509 -in "${dir}/fullchain.pem.new" -noout -pubkey | openssl sha256)
own_key=$(openssl pkey -in "${dir}/privkey.pem.new" -pubout 2>/dev/null | openssl sha256) ||
  die "the private key is not PEM"
[ "$cert_key" = "$own_key" ] || die "the private key does not belong to the certificate"

mv "${dir}/fullchain.pem.new" "${dir}/fullchain.pem"
mv "${dir}/privkey.pem.new" "${dir}/privkey.pem"
