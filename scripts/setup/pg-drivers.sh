#!/usr/bin/env bash
# PostgreSQL drivers for test/src/wire-drivers.test.ts, from their registries with their own clients:
# asyncpg, psycopg2 + SQLAlchemy 2 and psycopg 3 (pip, in .tools/pydrivers), the pgx v5 client program
# (go build of test/clients/pgx, modules pinned by its go.sum) and the tokio-postgres one (cargo build of
# test/clients/tokio-postgres, pinned by its Cargo.lock). Idempotent: each part is skipped when present
# and not older than its sources.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.tools/pydrivers
if ! "$venv/bin/python" -c 'import asyncpg, psycopg2, sqlalchemy, psycopg' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'asyncpg==0.*' 'psycopg2-binary==2.*' 'SQLAlchemy==2.*' 'psycopg[binary]==3.*'
  "$venv/bin/python" -c 'import asyncpg, psycopg2, sqlalchemy, psycopg'
fi

# Rebuilds `bin` when it is missing or older than any file under `dir`.
stale() {
  local bin=$1 dir=$2
  [ ! -x "$bin" ] || [ -n "$(find "$dir" -type f -newer "$bin" -print -quit)" ]
}

pgx=.tools/wire-clients/pgx
if stale "$pgx" test/clients/pgx; then
  if command -v go >/dev/null 2>&1; then
    mkdir -p .tools/wire-clients
    (cd test/clients/pgx && go build -mod=readonly -o "../../../$pgx" .)
  else
    echo "pg-drivers: go is missing; the pgx test cannot run" >&2
  fi
fi

tokio=.tools/cargo-target/debug/strongroom-wire-tokio-postgres
if stale "$tokio" test/clients/tokio-postgres/src || [ test/clients/tokio-postgres/Cargo.lock -nt "$tokio" ]; then
  if command -v cargo >/dev/null 2>&1; then
    cargo build --quiet --locked --manifest-path test/clients/tokio-postgres/Cargo.toml --target-dir .tools/cargo-target
  else
    echo "pg-drivers: cargo is missing; the tokio-postgres test cannot run" >&2
  fi
fi
