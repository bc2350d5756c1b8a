#!/usr/bin/env bash
# Installs the command-line tools bench/sqlite.mjs compares strongroom with: the sqlite3 shell, zstd,
# openssl and GNU time (Debian packages). Idempotent: does nothing when all are present. Not run by
# `npm test` (no test needs them).
set -euo pipefail
need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/bin/time ] || need+=(time)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench-tools: missing ${need[*]} and no apt-get; install them" >&2
  exit 1
fi
echo "bench-tools: installing ${need[*]}" >&2
(DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1) ||
  (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null)
