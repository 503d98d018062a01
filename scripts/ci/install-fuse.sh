#!/usr/bin/env bash
# Installs Debian's python3-fusepy (it brings libfuse2) for the disk fault tests' failing file
# system: apps/node/test/disk-faults.e2e.test.ts mounts apps/node/test/support/faulty-fs.py with
# Debian's /usr/bin/python3. As root, libfuse mounts it itself (no fusermount needed) and the test
# unmounts it with umount. Idempotent: quick when it is already there.
set -euo pipefail
if /usr/bin/python3 -c "import fusepy" >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
# Update the package lists only when the packages cannot be found in them.
# A new machine's package lists may be missing or stale (an old list can name versions the mirror
# no longer has): try the install, and on failure update the lists and try once more.
if ! $SUDO apt-get install -y --no-install-recommends python3-fusepy; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends python3-fusepy
fi
