#!/usr/bin/env bash
# Installs Debian's redis-tools (redis-cli, redis-benchmark) for the Redis-protocol tests of
# apps/node. Idempotent and quick when already installed; `apt-get update` only when the package
# cannot be found without it.
set -euo pipefail

if command -v redis-cli >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends redis-tools; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends redis-tools
fi
redis-cli --version
