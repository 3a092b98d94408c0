#!/bin/bash
# Boots one meeting's Jitsi server (Ubuntu 22.04). The user data (infra/bootstrap/userData.ts) wrote this file,
# its siblings and settings.env into this folder. Steps: lifetime timer; hostname and room from the instance
# tags (set by the launch task); the platform's wildcard certificate from Secrets Manager (kept fresh by the
# certificate function); then jitsi-configure.sh: jitsi's packages configured for the hostname, our own nginx
# site and Prosody snippet rendered from the files in this folder — nothing of jitsi's is patched in place.
#
# Two paths (README "The baked image"):
#  * baked image: the image pipeline (infra/constructs/jitsiImage.ts) left BAKED_MARKER and every package in
#    place; nothing is fetched from the network but the certificate secret;
#  * apt fallback (no image built yet): Jitsi from its packages, as before the pipeline existed, after waiting
#    (bounded) for both of apt's locks.
#
# Any failure prints one "meeting-scheduler bootstrap failed: <path>: <reason>" line to the console and powers
# off (the launch template terminates on shutdown): the health-check task reads the console output and ends the
# meeting FAILED with that reason at once, instead of probing a broken server for its whole budget.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "${here}/settings.env"
# Paths of the machine, defaults for a server. settings.env may move them: the tests run this script end to end
# in a temporary root (test/integration/bootstrapPaths.test.ts); the user data never sets them.
BAKED_MARKER=${BAKED_MARKER:-/etc/meeting-scheduler/baked-image} # written by infra/image/bake-jitsi.sh
BOOTSTRAP_LOG=${BOOTSTRAP_LOG:-/var/log/jitsi-bootstrap.log}
HOSTS_FILE=${HOSTS_FILE:-/etc/hosts}
TLS_DIR=${TLS_DIR:-/etc/ssl/meeting-scheduler}
CONSOLES=${CONSOLES:-/dev/console /dev/ttyS0}
APT_LOCK_FILES=${APT_LOCK_FILES:-} # empty: every lock apt and dpkg take (wait-apt-locks.sh)
# How long the apt fallback waits for Ubuntu's first-boot apt-daily / unattended-upgrades to let go.
APT_LOCK_WAIT_SECONDS=${APT_LOCK_WAIT_SECONDS:-180}
exec > >(tee -a "$BOOTSTRAP_LOG") 2>&1
# tee runs on after this script unless waited for: close our end and let it write the last lines before exit,
# so "jitsi ready" or the failure line is in the log when cloud-init reports the script finished.
log_writer=$!
trap 'exec >&- 2>&-; wait "$log_writer"' EXIT

# The marker selects the path.
if [ -f "$BAKED_MARKER" ]; then
  boot_path="baked image ($(tr '\n' ' ' <"$BAKED_MARKER" | sed 's/ *$//'))"
else
  boot_path='apt fallback (no baked image)'
fi
echo "meeting-scheduler bootstrap: ${boot_path}"

fail() {
  local line="meeting-scheduler bootstrap failed: ${boot_path}: $*"
  echo "$line"
  # The serial console is what EC2 GetConsoleOutput returns.
  for console in $CONSOLES; do
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
echo "${public_ip} ${fqdn}" >>"$HOSTS_FILE"

export DEBIAN_FRONTEND=noninteractive
# apt-get waits for the dpkg lock by itself; wait-apt-locks.sh covers the list lock too (it says why).
apt_get() {
  # shellcheck disable=SC2086 # a list of paths, or nothing
  problem=$("${here}/wait-apt-locks.sh" "$APT_LOCK_WAIT_SECONDS" $APT_LOCK_FILES 2>&1) || fail "$problem"
  apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_SECONDS" "$@" || fail "apt-get $1 failed"
}
if [ ! -f "$BAKED_MARKER" ]; then
  apt_get update
  apt_get install -y gnupg2 curl apt-transport-https nginx-full awscli jq openssl
fi

# The certificate first: without it nothing else is worth installing.
tls_dir=$TLS_DIR
secret=$(aws secretsmanager get-secret-value --region "$region" --secret-id "$CERTIFICATE_SECRET_ID" \
  --query SecretString --output text) || fail "certificate secret ${CERTIFICATE_SECRET_ID} could not be read"
# Valid for this server's whole life, or the meeting fails now with the reason (never a self-signed fallback).
problem=$("${here}/install-certificate.sh" "$fqdn" "$tls_dir" "$((MAX_LIFETIME_MINUTES * 60))" \
  <<<"$secret" 2>&1 >/dev/null) || fail "${problem##*$'\n'}"
unset secret

if [ ! -f "$BAKED_MARKER" ]; then
  curl -fsSL https://download.jitsi.org/jitsi-key.gpg.key | gpg --dearmor -o /usr/share/keyrings/jitsi-keyring.gpg
  echo 'deb [signed-by=/usr/share/keyrings/jitsi-keyring.gpg] https://download.jitsi.org stable/' \
    >/etc/apt/sources.list.d/jitsi-stable.list
  curl -fsSL https://prosody.im/files/prosody-debian-packages.key -o /usr/share/keyrings/prosody-debian-packages.key
  echo 'deb [signed-by=/usr/share/keyrings/prosody-debian-packages.key] http://packages.prosody.im/debian jammy main' \
    >/etc/apt/sources.list.d/prosody.list
  apt_get update
  # debconf's answers first (the same jitsi-configure.sh gives again below): apt configures as it installs.
  "${here}/jitsi-configure.sh" --answers-only "$fqdn" "$room" "$tls_dir"
  apt_get install -y jitsi-meet
fi

# Both paths: configure for this meeting and start (the script's own steps and timings are in the log).
if ! configured=$("${here}/jitsi-configure.sh" "$fqdn" "$room" "$tls_dir" 2>&1); then
  echo "$configured"
  fail "${configured##*configure failed: }"
fi
echo "$configured"
echo "jitsi ready on ${fqdn}"
