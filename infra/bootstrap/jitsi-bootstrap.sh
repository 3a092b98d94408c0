#!/bin/bash
# User data of every meeting's Jitsi server (Ubuntu 22.04). Reads its own hostname from the instance tags
# (the launch task sets them), installs Jitsi Meet, obtains a Let's Encrypt certificate for that hostname
# once Route 53 points it here (the health-check task writes the record when the instance runs), and
# exposes /health so the health-check task can see Jitsi answering over HTTPS.
#
# CDK replaces the two @@…@@ markers below; everything else is plain bash, checked by shellcheck in the tests.
set -euo pipefail
exec > >(tee -a /var/log/jitsi-bootstrap.log) 2>&1

ACME_EMAIL='@@ACME_EMAIL@@'
MAX_LIFETIME_MINUTES='@@MAX_LIFETIME_MINUTES@@'

# Safety net independent of the control plane: the launch template sets shutdown behaviour to terminate,
# so this instance ends itself after its maximum lifetime even if every teardown and sweep failed.
shutdown -h "+${MAX_LIFETIME_MINUTES}" 'meeting server reached its maximum lifetime'

imds_token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' http://169.254.169.254/latest/api/token)
imds() {
  curl -fsS -H "X-aws-ec2-metadata-token: ${imds_token}" "http://169.254.169.254/latest/$1"
}
fqdn=$(imds meta-data/tags/instance/hostname)
public_ip=$(imds meta-data/public-ipv4)
if [[ ! "$fqdn" =~ ^[a-z0-9.-]+$ ]]; then
  echo "refusing hostname tag '${fqdn}'" >&2
  exit 1
fi

hostnamectl set-hostname "$fqdn"
echo "127.0.0.1 ${fqdn}" >>/etc/hosts

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y gnupg2 curl apt-transport-https dnsutils nginx-full
curl -fsSL https://download.jitsi.org/jitsi-key.gpg.key | gpg --dearmor -o /usr/share/keyrings/jitsi-keyring.gpg
echo 'deb [signed-by=/usr/share/keyrings/jitsi-keyring.gpg] https://download.jitsi.org stable/' \
  >/etc/apt/sources.list.d/jitsi-stable.list
curl -fsSL https://prosody.im/files/prosody-debian-packages.key -o /usr/share/keyrings/prosody-debian-packages.key
echo 'deb [signed-by=/usr/share/keyrings/prosody-debian-packages.key] http://packages.prosody.im/debian jammy main' \
  >/etc/apt/sources.list.d/prosody.list
apt-get update

debconf-set-selections <<SELECTIONS
jitsi-videobridge2 jitsi-videobridge/jvb-hostname string ${fqdn}
jitsi-meet-web-config jitsi-meet/cert-choice select Generate a new self-signed certificate
jitsi-meet-web-config jitsi-meet/jaas-choice boolean false
SELECTIONS
apt-get install -y jitsi-meet

# JVB statistics (participants) on loopback only; the attendance task reads them through SSM Run Command.
cat >>/etc/jitsi/videobridge/jvb.conf <<'JVB'
videobridge.apis.rest.enabled = true
videobridge.http-servers.private.host = 127.0.0.1
JVB

# /health answers when the videobridge is healthy; added to both server blocks of the site.
site="/etc/nginx/sites-available/${fqdn}.conf"
sed -i '/server_name/a\    location = /health { proxy_pass http://127.0.0.1:8080/about/health; }' "$site"

# HTTP-01 needs the name to resolve here first: wait (bounded) for the record the health-check task writes.
for _ in $(seq 1 90); do
  if [ "$(dig +short "$fqdn" A | tail -n 1)" = "$public_ip" ]; then
    break
  fi
  sleep 10
done
/usr/share/jitsi-meet/scripts/install-letsencrypt-cert.sh "$ACME_EMAIL"

systemctl restart jitsi-videobridge2 prosody jicofo nginx
echo "jitsi ready on ${fqdn}"
