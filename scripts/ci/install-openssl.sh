#!/usr/bin/env bash
# The TLS tests (peer mTLS in @raftkit/transport-ws, HTTPS and wss in apps/node) make their own
# certificates with the openssl CLI.
# Idempotent: does nothing when openssl is already installed.
set -euo pipefail
if command -v openssl >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends openssl >/dev/null 2>&1 || {
  $SUDO apt-get update >/dev/null
  $SUDO apt-get install -y --no-install-recommends openssl >/dev/null
}
command -v openssl >/dev/null
