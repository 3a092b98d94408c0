#!/bin/bash
# Turns an installed (or, on a baked image, unpacked) Jitsi into this meeting's server: configures jitsi's
# packages for the hostname, renders our nginx site and Prosody snippet from the files in this folder, and
# restarts the services. Reads nothing from the network. Both boot paths end here (jitsi-bootstrap.sh), after
# the certificate is installed in TLS_DIR.
#   jitsi-configure.sh FQDN ROOM TLS_DIR
#   jitsi-configure.sh --answers-only FQDN ROOM TLS_DIR   (only debconf's answers: the apt path gives them
#                                                          before it installs, as apt configures as it goes)
# Prints "configure step <name>: <ms> ms" per step (the boot-time figures in the README come from these), and
# on failure one last line "configure failed: <reason>" on stderr and exits 1.
# ETC_DIR, WEB_ROOT and HTTPS_PORT default to a real server's; the tests and `npm run bench -- boot` point them
# at a temporary root where fakes stand in for what Debian lacks (jitsi's packages, its JVM services).
# -E: the ERR trap fires inside the step functions too.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
answers_only=false
if [ "${1:-}" = --answers-only ]; then
  answers_only=true
  shift
fi
fqdn=$1
room=$2
tls_dir=$3
etc=${ETC_DIR:-/etc}
web_root=${WEB_ROOT:-/usr/share/jitsi-meet}
https_port=${HTTPS_PORT:-443}

die() {
  echo "configure failed: $*" >&2
  exit 1
}
trap 'die "line ${LINENO}: \"${BASH_COMMAND}\" exited $?"' ERR

# Runs one step and prints how long it took ($EPOCHREALTIME: bash 5, seconds with 6 decimals, written with the
# locale's decimal separator: both removed, it counts microseconds).
timed() {
  local name=$1 started=${EPOCHREALTIME//[.,]/}
  shift
  "$@"
  local ended=${EPOCHREALTIME//[.,]/}
  echo "configure step ${name}: $(((ended - started) / 1000)) ms"
}

# "I want to use my own certificate": jitsi-meet-web-config then uses ours and asks nobody for one. On a baked
# image jitsi's packages were only unpacked (infra/image/bake-jitsi.sh), so their postinst scripts, which write
# every hostname-specific file (Prosody host, Jicofo, videobridge, config.js), run now with these answers.
debconf_answers() {
  debconf-set-selections <<SELECTIONS
jitsi-videobridge2 jitsi-videobridge/jvb-hostname string ${fqdn}
jitsi-meet-web-config jitsi-meet/cert-choice select I want to use my own certificate
jitsi-meet-web-config jitsi-meet/cert-path-crt string ${tls_dir}/fullchain.pem
jitsi-meet-web-config jitsi-meet/cert-path-key string ${tls_dir}/privkey.pem
jitsi-meet-web-config jitsi-meet/jaas-choice boolean false
SELECTIONS
}
if $answers_only; then
  debconf_answers
  exit 0
fi

jitsi_packages() {
  debconf_answers
  # Nothing pending after the apt fallback installed them: then this is a no-op.
  DEBIAN_FRONTEND=noninteractive dpkg --configure --pending || die "jitsi's packages did not configure for ${fqdn}"
}

jitsi_settings() {
  # nginx asks the videobridge's private HTTP server for /about/health (our /health). Health is on by default
  # (videobridge.rest.health.enabled); the COLIBRI REST API (videobridge.apis.rest) stays off, its default, as
  # nothing here needs it (jitsi-videobridge jvb/src/main/resources/reference.conf). Loopback only, said
  # explicitly although it is the default too.
  cat >>"${etc}/jitsi/videobridge/jvb.conf" <<'JVB'
videobridge.http-servers.private.host = 127.0.0.1
JVB
  cat "${here}/jicofo.conf" >>"${etc}/jitsi/jicofo/jicofo.conf"
  # coturn (jitsi-meet-turnserver, TURN over TLS on 5349) runs as its own user and must read our certificate.
  if getent group turnserver >/dev/null; then
    chgrp turnserver "$tls_dir" "${tls_dir}/fullchain.pem" "${tls_dir}/privkey.pem"
    chmod 0750 "$tls_dir"
    chmod 0640 "${tls_dir}/privkey.pem" "${tls_dir}/fullchain.pem"
  fi
}

# Our nginx site replaces the one jitsi-meet-web-config generated (same path, so its sites-enabled link stays).
render_site() {
  "${here}/render-template.sh" "${here}/jitsi-site.nginx.conf" \
    FQDN="$fqdn" ROOM="$room" HTTPS_PORT="$https_port" \
    CERTIFICATE="${tls_dir}/fullchain.pem" PRIVATE_KEY="${tls_dir}/privkey.pem" \
    WEB_ROOT="$web_root" CONFIG_JS="${etc}/jitsi/meet/${fqdn}-config.js" \
    PROSODY=127.0.0.1:5280 JVB_WEBSOCKETS=127.0.0.1:9090 JICOFO=127.0.0.1:8888 JVB_PRIVATE=127.0.0.1:8080 \
    >"${etc}/nginx/sites-available/${fqdn}.conf"
}
check_site() { nginx -t || die "nginx -t refused the rendered site"; }

# Room occupancy for the attendance task (jitsi's mod_muc_size) as a component of its own, so jitsi's
# generated host file is left as it is (prosody-room-count.cfg.lua says why).
render_room_count() {
  "${here}/render-template.sh" "${here}/prosody-room-count.cfg.lua" FQDN="$fqdn" \
    >"${etc}/prosody/conf.d/meeting-scheduler-room-count.cfg.lua"
}
# Logged, never fatal: prosodyctl's checker also warns about options jitsi's own generated file sets, and a
# config Prosody cannot load fails its restart below, which is fatal.
check_prosody() { prosodyctl check config || echo "prosodyctl check config reported the problems above"; }

restart() {
  systemctl restart "$1" || die "$1 did not restart: $(journalctl -u "$1" -n 3 --no-pager 2>&1 | tr '\n' ' ' || true)"
}

timed jitsi-packages jitsi_packages
timed jitsi-settings jitsi_settings
timed render-site render_site
timed nginx-t check_site
timed render-room-count render_room_count
timed prosody-check check_prosody
services=(prosody jicofo jitsi-videobridge2 nginx)
# coturn comes with jitsi-meet-turnserver, a Recommends of jitsi-meet: restart it only where it is installed.
if systemctl cat coturn >/dev/null 2>&1; then services+=(coturn); fi
for service in "${services[@]}"; do timed "restart-${service}" restart "$service"; done
echo "jitsi configured for ${fqdn}"
