#!/bin/bash
# Bakes the meeting server image (the build phase of the Image Builder component, infra/image/component.ts),
# on Ubuntu 22.04, as root. After it, a meeting's boot fetches nothing but the certificate secret
# (infra/bootstrap/jitsi-configure.sh):
#  - apt's periodic jobs are off: on a meeting server nothing may take apt's locks or restart a service during
#    a lesson; security updates come from the pipeline's scheduled rebuilds instead;
#  - the image's packages are upgraded (the rebuilds' point), then everything Jitsi needs is installed at the
#    versions pinned in the CDK context (JITSI_* below);
#  - jitsi's own packages are only unpacked: their postinst scripts write every hostname-specific file (the
#    Prosody host, Jicofo's and the videobridge's XMPP settings, config.js), so `dpkg --configure` runs them at
#    boot, once the meeting's hostname is known. Nothing is left to download for that.
#   JITSI_MEET_VERSION JITSI_MEET_WEB_VERSION JICOFO_VERSION JITSI_VIDEOBRIDGE_VERSION  (environment)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${JITSI_MEET_VERSION:?}" "${JITSI_MEET_WEB_VERSION:?}" "${JICOFO_VERSION:?}" "${JITSI_VIDEOBRIDGE_VERSION:?}"
export DEBIAN_FRONTEND=noninteractive
marker=/etc/meeting-scheduler/baked-image

# The build instance boots fresh too: stop the timers first, then let a run already started finish.
systemctl disable --now apt-daily.timer apt-daily-upgrade.timer
systemctl mask apt-daily.service apt-daily-upgrade.service
"${here}/wait-apt-locks.sh" 900
cat >/etc/apt/apt.conf.d/99meeting-scheduler-no-periodic <<'APT'
// meeting-scheduler: no periodic apt runs on meeting servers; the image pipeline's rebuilds bring updates.
APT::Periodic::Enable "0";
APT::Periodic::Update-Package-Lists "0";
APT::Periodic::Unattended-Upgrade "0";
APT
apt_get() { apt-get -o DPkg::Lock::Timeout=300 "$@"; }
apt_get purge -y unattended-upgrades

apt_get update
apt_get -y upgrade
apt_get install -y gnupg2 curl ca-certificates
curl -fsSL https://download.jitsi.org/jitsi-key.gpg.key | gpg --dearmor --yes -o /usr/share/keyrings/jitsi-keyring.gpg
echo 'deb [signed-by=/usr/share/keyrings/jitsi-keyring.gpg] https://download.jitsi.org stable/' \
  >/etc/apt/sources.list.d/jitsi-stable.list
curl -fsSL https://prosody.im/files/prosody-debian-packages.key -o /usr/share/keyrings/prosody-debian-packages.key
echo 'deb [signed-by=/usr/share/keyrings/prosody-debian-packages.key] http://packages.prosody.im/debian jammy main' \
  >/etc/apt/sources.list.d/prosody.list
apt_get update

jitsi=(
  "jitsi-meet=${JITSI_MEET_VERSION}"
  "jitsi-meet-web=${JITSI_MEET_WEB_VERSION}"
  "jitsi-meet-web-config=${JITSI_MEET_WEB_VERSION}"
  "jitsi-meet-prosody=${JITSI_MEET_WEB_VERSION}"
  "jitsi-meet-turnserver=${JITSI_MEET_WEB_VERSION}"
  "jicofo=${JICOFO_VERSION}"
  "jitsi-videobridge2=${JITSI_VIDEOBRIDGE_VERSION}"
)
# What the bootstrap needs besides Jitsi (the certificate step: awscli, jq, openssl).
tools=(nginx-full awscli jq openssl)
archives=/var/cache/apt/archives
apt_get clean
# apt resolves the pinned set and everything it depends on, and only downloads it.
apt_get install -y --download-only "${jitsi[@]}" "${tools[@]}"
own='/(jitsi-meet|jitsi-meet-web|jitsi-meet-web-config|jitsi-meet-prosody|jitsi-meet-turnserver|jicofo|jitsi-videobridge2)_'
mapfile -t own_debs < <(find "$archives" -maxdepth 1 -name '*.deb' | grep -E "$own")
mapfile -t other_debs < <(find "$archives" -maxdepth 1 -name '*.deb' | grep -vE "$own")
[ ${#own_debs[@]} -eq 7 ] || { echo "expected jitsi's 7 packages, downloaded: ${own_debs[*]}" >&2; exit 1; }
# Everything else (OpenJDK, Prosody, coturn, nginx, Lua...) knows no hostname: installed and configured now.
apt_get install -y "${tools[@]}" "${other_debs[@]}"
dpkg --unpack "${own_debs[@]}"
apt_get clean

install -d -m 0755 "$(dirname "$marker")"
{
  for pinned in "${jitsi[@]}"; do echo "$pinned"; done
  echo "baked=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$marker"
echo "baked: $(tr '\n' ' ' <"$marker")"
