#!/usr/bin/env bash
# Installs what the tests need outside npm (servers, emulators, real clients), idempotently: each
# scripts/setup/*.sh checks what is already there and is quick on a second run. Tests start and stop
# the servers themselves, on loopback ports. Set STRONGROOM_SKIP_SETUP=1 to skip (e.g. offline dev).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${STRONGROOM_SKIP_SETUP:-}" = 1 ] && exit 0
mkdir -p .tools
for s in scripts/setup/*.sh; do
  [ -e "$s" ] || continue
  echo "setup: $s" >&2
  bash "$s"
done
