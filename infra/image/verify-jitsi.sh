#!/bin/bash
# Checks a baked image (the validate phase on the build instance, the test phase on an instance launched from
# the new image): what the bootstrap's baked path relies on is there, and apt's periodic jobs stay off.
# Exits 1 with one line per problem, so a build never publishes an image the bootstrap would fail on.
#   verify-jitsi.sh  (same JITSI_* environment as bake-jitsi.sh)
set -uo pipefail
: "${JITSI_MEET_VERSION:?}" "${JITSI_MEET_WEB_VERSION:?}" "${JICOFO_VERSION:?}" "${JITSI_VIDEOBRIDGE_VERSION:?}"
marker=/etc/meeting-scheduler/baked-image
problems=0
problem() {
  echo "baked image: $*" >&2
  problems=$((problems + 1))
}

[ -f "$marker" ] || problem "no marker ${marker}"
while read -r package version; do
  grep -qx "${package}=${version}" "$marker" 2>/dev/null || problem "marker does not name ${package}=${version}"
  # Unpacked, not configured: the boot's `dpkg --configure --pending` configures it for the meeting's host.
  status=$(dpkg-query -W -f='${Version} ${db:Status-Status}' "$package" 2>/dev/null)
  [ "$status" = "${version} unpacked" ] || problem "${package}: '${status}', expected '${version} unpacked'"
done <<PINNED
jitsi-meet ${JITSI_MEET_VERSION}
jitsi-meet-web ${JITSI_MEET_WEB_VERSION}
jitsi-meet-web-config ${JITSI_MEET_WEB_VERSION}
jitsi-meet-prosody ${JITSI_MEET_WEB_VERSION}
jitsi-meet-turnserver ${JITSI_MEET_WEB_VERSION}
jicofo ${JICOFO_VERSION}
jitsi-videobridge2 ${JITSI_VIDEOBRIDGE_VERSION}
PINNED
for tool in nginx prosody prosodyctl java aws jq openssl python3; do
  command -v "$tool" >/dev/null || problem "${tool} is not installed"
done
for timer in apt-daily.timer apt-daily-upgrade.timer; do
  state=$(systemctl is-enabled "$timer" 2>/dev/null)
  [ "$state" = disabled ] || [ "$state" = masked ] || problem "${timer} is ${state:-unknown}"
done
! dpkg-query -W -f='${db:Status-Status}' unattended-upgrades 2>/dev/null | grep -q installed ||
  problem 'unattended-upgrades is installed'
[ "$problems" -eq 0 ] || exit 1
echo "baked image verified: $(tr '\n' ' ' <"$marker")"
