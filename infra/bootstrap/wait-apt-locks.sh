#!/bin/bash
# Waits, at most TIMEOUT_SECONDS, until no process holds any of apt's locks; fails naming the lock still held
# and its holder. Used by the apt fallback of the bootstrap and by the image build, both on a first boot of
# Ubuntu, where apt-daily.service (apt-get update) and unattended-upgrades may run at the same time.
#   wait-apt-locks.sh TIMEOUT_SECONDS [LOCK_FILE...]   (default: every lock apt 2.4 and dpkg take)
#
# Why not apt's own `-o DPkg::Lock::Timeout`: it waits for the dpkg frontend lock only. `apt-get update` takes
# /var/lib/apt/lists/lock without waiting and fails at once while apt-daily holds it.
# Why not `flock`: apt and dpkg lock with fcntl(F_SETLK) (apt-pkg/contrib/fileutl.cc GetLock, dpkg's
# lib/dpkg/file.c), and on Linux flock(2) locks and fcntl locks do not see each other. F_GETLK asks the kernel
# who holds an fcntl lock without taking it, so this wait cannot itself make apt-daily fail.
set -euo pipefail
timeout_seconds=$1
shift
locks=("$@")
if [ ${#locks[@]} -eq 0 ]; then
  locks=(/var/lib/apt/lists/lock /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/cache/apt/archives/lock)
fi

# Prints the pid holding a write-conflicting fcntl lock on the file, or nothing when it is free (or absent).
# python3 is in every Ubuntu cloud image (cloud-init is written in it); bash has no F_GETLK.
holder_of() {
  python3 - "$1" <<'PY'
import fcntl, os, struct, sys
try:
    fd = os.open(sys.argv[1], os.O_RDONLY)
except FileNotFoundError:
    sys.exit(0)
# struct flock on Linux x86_64/arm64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
l_type, _, _, _, l_pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, query))
if l_type != fcntl.F_UNLCK:
    print(l_pid)
PY
}

deadline=$((SECONDS + timeout_seconds))
# Until one pass finds every lock free: apt-daily's update ends before unattended-upgrades takes dpkg's locks.
while :; do
  held=''
  for lock in "${locks[@]}"; do
    pid=$(holder_of "$lock") || {
      echo "apt lock ${lock} could not be checked" >&2
      exit 1
    }
    if [ -n "$pid" ]; then
      held=$lock
      break
    fi
  done
  [ -z "$held" ] && exit 0
  if [ "$SECONDS" -ge "$deadline" ]; then
    # -1 is an open-file-description lock, which has no single owning process.
    what="pid ${pid}"
    if [ -r "/proc/${pid}/comm" ]; then what="${what} ($(<"/proc/${pid}/comm"))"; fi
    echo "apt lock ${held} still held after ${timeout_seconds} s by ${what}" >&2
    exit 1
  fi
  sleep 1
done
