#!/bin/bash
# Boots one meeting's Jitsi server (Ubuntu 22.04). The user data (infra/bootstrap/userData.ts) wrote this file,
# its siblings and settings.env into this folder. Steps: lifetime timer; hostname and room from the instance
# tags (set by the launch task); the platform's wildcard certificate from Secrets Manager (kept fresh by the
# certificate function); Jitsi Meet from its packages; then our own nginx site and Prosody snippet, rendered
# from the files in this folder — nothing of jitsi's is patched in place.
#
# Any failure prints one "meeting-scheduler bootstrap failed: <reason>" line to the console and powers off
# (the launch template terminates on shutdown): the health-check task reads the console output and ends the
# meeting FAILED with that reason at once, instead of probing a broken server for its whole budget.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec > >(tee -a /var/log/jitsi-bootstrap.log) 2>&1
# shellcheck source=/dev/null
source "${here}/settings.env"

fail() {
  local line="meeting-scheduler bootstrap failed: $*"
  echo "$line"
  # The serial console is what EC2 GetConsoleOutput returns.
  for console in /dev/console /dev/ttyS0; do
    if [ -w "$console" ]; then echo "$line" >"$console" || true; fi
  done
  shutdown -h now "$line" || poweroff
  exit 1
}
trap 'fail "line ${LINENO}: \"${BASH_COMMAND}\" exited $?"' ERR

# Safety net independent of the control plane: the launch template sets shutdown behaviour to terminate,
# so this instance ends itself after its maximum lifetime even if every teardown and sweep failed.
shutdown -h "+${MAX_LIFETIME_MINUTES}" 'meeting server reached its maximum lifetime'

imds_token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' http://169.254.169.254/latest/api/token)
imds() {
  curl -fsS -H "X-aws-ec2-metadata-token: ${imds_token}" "http://169.254.169.254/latest/$1"
}
fqdn=$(imds meta-data/tags/instance/hostname)
room=$(imds meta-data/tags/instance/roomName)
region=$(imds meta-data/placement/region)
public_ip=$(imds meta-data/public-ipv4)
[[ "$fqdn" =~ ^[a-z0-9.-]+$ ]] || fail "refusing hostname tag '${fqdn}'"
[[ "$room" =~ ^[a-z0-9]+$ ]] || fail "refusing roomName tag '${room}'"

hostnamectl set-hostname "$fqdn"
# The handbook's quick start maps the name to the public address (coturn and JVB advertise what it resolves to).
echo "${public_ip} ${fqdn}" >>/etc/hosts

export DEBIAN_FRONTEND=noninteractive
# First boot: unattended-upgrades may hold the dpkg lock for a while; wait for it instead of failing.
apt_get() { apt-get -o DPkg::Lock::Timeout=300 "$@"; }
apt_get update
apt_get install -y gnupg2 curl apt-transport-https nginx-full awscli jq openssl

# The certificate first: without it nothing else is worth installing.
tls_dir=/etc/ssl/meeting-scheduler
secret=$(aws secretsmanager get-secret-value --region "$region" --secret-id "$CERTIFICATE_SECRET_ID" \
  --query SecretString --output text) || fail "certificate secret ${CERTIFICATE_SECRET_ID} could not be read"
# Valid for this server's whole life, or the meeting fails now with the reason (never a self-signed fallback).
problem=$("${here}/install-certificate.sh" "$fqdn" "$tls_dir" "$((MAX_LIFETIME_MINUTES * 60))" \
  <<<"$secret" 2>&1 >/dev/null) || fail "${problem##*$'\n'}"
unset secret

curl -fsSL https://download.jitsi.org/jitsi-key.gpg.key | gpg --dearmor -o /usr/share/keyrings/jitsi-keyring.gpg
echo 'deb [signed-by=/usr/share/keyrings/jitsi-keyring.gpg] https://download.jitsi.org stable/' \
  >/etc/apt/sources.list.d/jitsi-stable.list
curl -fsSL https://prosody.im/files/prosody-debian-packages.key -o /usr/share/keyrings/prosody-debian-packages.key
echo 'deb [signed-by=/usr/share/keyrings/prosody-debian-packages.key] http://packages.prosody.im/debian jammy main' \
  >/etc/apt/sources.list.d/prosody.list
apt_get update

# "I want to use my own certificate": jitsi-meet-web-config then uses ours and asks nobody for one.
debconf-set-selections <<SELECTIONS
jitsi-videobridge2 jitsi-videobridge/jvb-hostname string ${fqdn}
jitsi-meet-web-config jitsi-meet/cert-choice select I want to use my own certificate
jitsi-meet-web-config jitsi-meet/cert-path-crt string ${tls_dir}/fullchain.pem
jitsi-meet-web-config jitsi-meet/cert-path-key string ${tls_dir}/privkey.pem
jitsi-meet-web-config jitsi-meet/jaas-choice boolean false
SELECTIONS
apt_get install -y jitsi-meet

# The videobridge's private REST interface (/about/health) on loopback only; nginx asks it for /health.
cat >>/etc/jitsi/videobridge/jvb.conf <<'JVB'
videobridge.apis.rest.enabled = true
videobridge.http-servers.private.host = 127.0.0.1
JVB
cat "${here}/jicofo.conf" >>/etc/jitsi/jicofo/jicofo.conf
# coturn (jitsi-meet-turnserver, TURN over TLS on 5349) runs as its own user and must read our certificate.
if getent group turnserver >/dev/null; then
  chgrp turnserver "$tls_dir" "${tls_dir}/fullchain.pem" "${tls_dir}/privkey.pem"
  chmod 0750 "$tls_dir"
  chmod 0640 "${tls_dir}/privkey.pem" "${tls_dir}/fullchain.pem"
fi

# Our nginx site replaces the one jitsi-meet-web-config generated (same path, so its sites-enabled link stays).
"${here}/render-template.sh" "${here}/jitsi-site.nginx.conf" \
  FQDN="$fqdn" ROOM="$room" HTTPS_PORT=443 \
  CERTIFICATE="${tls_dir}/fullchain.pem" PRIVATE_KEY="${tls_dir}/privkey.pem" \
  WEB_ROOT=/usr/share/jitsi-meet CONFIG_JS="/etc/jitsi/meet/${fqdn}-config.js" \
  PROSODY=127.0.0.1:5280 JVB_WEBSOCKETS=127.0.0.1:9090 JICOFO=127.0.0.1:8888 JVB_PRIVATE=127.0.0.1:8080 \
  >"/etc/nginx/sites-available/${fqdn}.conf"
nginx -t || fail "nginx -t refused the rendered site"

# Room occupancy for the attendance task (jitsi's mod_muc_size, from jitsi's plugin_paths) as a component of
# its own, so jitsi's generated host file is left as it is (prosody-room-count.cfg.lua says why).
"${here}/render-template.sh" "${here}/prosody-room-count.cfg.lua" FQDN="$fqdn" \
  >/etc/prosody/conf.d/meeting-scheduler-room-count.cfg.lua

services=(prosody jicofo jitsi-videobridge2 nginx)
# coturn comes with jitsi-meet-turnserver, a Recommends of jitsi-meet: restart it only where it is installed.
if systemctl cat coturn >/dev/null 2>&1; then services+=(coturn); fi
for service in "${services[@]}"; do
  systemctl restart "$service" || fail "${service} did not restart: $(journalctl -u "$service" -n 3 --no-pager | tr '\n' ' ')"
done
echo "jitsi ready on ${fqdn}"
