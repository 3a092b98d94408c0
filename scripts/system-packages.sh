#!/usr/bin/env bash
# The Debian packages the tests need (the real parts where Debian has them), kept in this one list.
#   scripts/system-packages.sh check     exits 1 naming what is missing and the command that installs it
#                                        (the first step of `npm test`)
#   scripts/system-packages.sh install   installs what is missing with apt-get (`npm run setup`, `.ci/run`);
#                                        needs root, and says to use sudo otherwise
#   scripts/system-packages.sh list      prints "package command" per line
set -euo pipefail

# "package command why": the command the tests run, and the Debian package that provides it.
PACKAGES=(
  "shellcheck shellcheck every bootstrap script is shellchecked (test/infra/bootstrap.test.ts)"
  "awscli aws the AWS CLI against the local endpoints (test/integration/lifecycle.test.ts)"
  "chromium chromium the stand-in room page in a real browser, /usr/bin/chromium (lifecycle.test.ts)"
  "openssl openssl test certificates, and the bootstrap's certificate check"
  "jq jq the bootstrap's certificate step (infra/bootstrap/install-certificate.sh)"
  "curl curl the attendance command, as SSM runs it (test/integration/prosody.test.ts)"
  "nginx nginx nginx -t and serving the rendered site (test/integration/nginxHealth.test.ts)"
  "prosody prosody room occupancy with a real XMPP client (test/integration/prosody.test.ts)"
  "pebble pebble Let's Encrypt's test ACME server (test/integration/certificate.test.ts)"
  "pebble pebble-challtestsrv pebble's DNS for the DNS-01 challenge (certificate.test.ts)"
  "python3 python3 the apt lock wait asks fcntl who holds apt's locks (infra/bootstrap/wait-apt-locks.sh)"
)

missing_packages=()
missing_lines=()
off_path=()
for entry in "${PACKAGES[@]}"; do
  read -r package command why <<<"$entry"
  command -v "$command" >/dev/null 2>&1 && continue
  # Debian puts nginx in /usr/sbin, which is not on an ordinary user's PATH: installed, but not found.
  for dir in /usr/sbin /sbin; do
    if [ -x "$dir/$command" ]; then
      off_path+=("$dir/$command")
      continue 2
    fi
  done
  missing_lines+=("$(printf '  %-11s %-20s %s' "$package" "$command" "$why")")
  [[ " ${missing_packages[*]} " == *" $package "* ]] || missing_packages+=("$package")
done

# How to run the installer: as root directly, otherwise through sudo (npm is often not on root's PATH).
if [ "$EUID" -eq 0 ]; then setup="npm run setup"; else setup="sudo bash scripts/system-packages.sh install"; fi

report_missing() {
  {
    echo "The tests need system packages that are not installed: ${missing_packages[*]}"
    printf '  %-11s %-20s %s\n' package "missing command" "used for"
    printf '%s\n' "${missing_lines[@]}"
    echo "Install them (Debian/Ubuntu) with:"
    echo "  $setup"
    echo "which runs: apt-get update && apt-get install -y --no-install-recommends ${missing_packages[*]}"
  } >&2
}

report_off_path() {
  {
    echo "Installed but not on PATH: ${off_path[*]}"
    echo "Add the folder to PATH, e.g.: export PATH=\"\$PATH:/usr/sbin\""
  } >&2
}

case "${1:-}" in
  list)
    for entry in "${PACKAGES[@]}"; do
      read -r package command _ <<<"$entry"
      echo "$package $command"
    done
    ;;
  check)
    [ "${#missing_packages[@]}" -eq 0 ] || report_missing
    [ "${#off_path[@]}" -eq 0 ] || report_off_path
    if [ "${#missing_packages[@]}" -gt 0 ] || [ "${#off_path[@]}" -gt 0 ]; then exit 1; fi
    ;;
  install)
    if [ "${#missing_packages[@]}" -eq 0 ]; then
      echo "System packages: all installed."
    elif ! command -v apt-get >/dev/null 2>&1; then
      echo "apt-get not found: install these packages with your system's package manager: ${missing_packages[*]}" >&2
      exit 1
    elif [ "$EUID" -ne 0 ]; then
      echo "Installing system packages (${missing_packages[*]}) needs root. Run:" >&2
      echo "  $setup" >&2
      exit 1
    else
      echo "Installing: ${missing_packages[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq </dev/null
      apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" </dev/null
      exec bash "$0" check # every command is there now, or it says which is not
    fi
    [ "${#off_path[@]}" -eq 0 ] || report_off_path
    ;;
  *)
    echo "usage: $0 check|install|list" >&2
    exit 2
    ;;
esac
