#!/usr/bin/env bash
# PostgreSQL server + client tools (initdb, postgres, pg_dump, pg_restore, psql, pgbench) from Debian's
# packages, for the postgres source tests; tests start throwaway clusters themselves. Quick when present.
set -euo pipefail
have_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
have_client() { command -v pg_dump >/dev/null && command -v pg_restore >/dev/null && command -v psql >/dev/null && command -v pgbench >/dev/null; }
if have_server && have_client; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's postgresql-common creates a default cluster on install; tests never use it.
$SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-client postgresql-contrib >/dev/null
have_server && have_client
