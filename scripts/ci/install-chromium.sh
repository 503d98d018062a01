#!/usr/bin/env bash
# Installs Debian's chromium for the status page's browser test (apps/node/test/status-page.e2e.test.ts,
# driven by playwright-core at /usr/bin/chromium). Idempotent: quick when it is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
# Update the package lists only when chromium cannot be found in them.
# A new machine's package lists may be missing or stale (an old list can name versions the mirror
# no longer has): try the install, and on failure update the lists and try once more.
if ! $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi
