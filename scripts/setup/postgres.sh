#!/usr/bin/env bash
# PostgreSQL server + client tools (initdb, postgres, pg_dump, pg_restore, psql, pgbench) from Debian's
# packages, for the postgres source tests; tests start throwaway clusters themselves. Quick when present.
set -euo pipefail
have_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
have_client() { command -v pg_dump >/dev/null && command -v pg_restore >/dev/null && command -v psql >/dev/null && command -v pgbench >/dev/null; }
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
if ! (have_server && have_client); then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Debian's postgresql-common creates a default cluster on install; tests never use it.
  $SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-client postgresql-contrib >/dev/null
  have_server && have_client
fi
# The tests' own extension (one with a configuration table), into every installed server version.
ext="$(cd "$(dirname "$0")/../../test/extensions" && pwd)"
for dir in /usr/share/postgresql/*/extension; do
  if ! cmp -s "$ext/strongroom_config_test--1.0.sql" "$dir/strongroom_config_test--1.0.sql"; then
    $SUDO cp "$ext"/strongroom_config_test* "$dir/"
  fi
done
