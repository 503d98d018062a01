#!/usr/bin/env bash
# The security tests make their own TLS certificates with the `openssl` CLI. Idempotent: quick
# when it is already installed; `apt-get update` only when the package is not found.
set -euo pipefail
if command -v openssl >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! $SUDO apt-get install -y --no-install-recommends openssl; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends openssl
fi
