#!/usr/bin/env bash
# Real PostgreSQL clients for the wire-protocol tests (test/src/wire-*.test.ts): psql (Debian
# postgresql-client), psycopg 3 (PyPI, in .tools/psycopg) and the PostgreSQL JDBC driver (Maven Central,
# via mvn, copied to .tools/pgjdbc/postgresql.jar). Idempotent: each part is skipped when present.
set -euo pipefail
cd "$(dirname "$0")/../.."
PGJDBC_VERSION=42.7.7

if ! command -v psql >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -q postgresql-client >/dev/null 2>&1) ||
      (apt-get update -q >/dev/null && apt-get install -y -q postgresql-client >/dev/null)
  else
    echo "pg-clients: psql missing and no apt-get; install postgresql-client" >&2
  fi
fi

venv=.tools/psycopg
if ! "$venv/bin/python" -c 'import psycopg' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'psycopg[binary]==3.*'
  "$venv/bin/python" -c 'import psycopg'
fi

jar=.tools/pgjdbc/postgresql.jar
if [ ! -s "$jar" ]; then
  if ! command -v javac >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q default-jdk-headless >/dev/null 2>&1 ||
      (apt-get update -q >/dev/null && apt-get install -y -q default-jdk-headless >/dev/null)
  fi
  if ! command -v mvn >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q maven >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q maven >/dev/null)
  fi
  mkdir -p .tools/pgjdbc
  mvn -q -B dependency:copy -Dartifact="org.postgresql:postgresql:$PGJDBC_VERSION" -DoutputDirectory=.tools/pgjdbc \
    -Dmdep.stripVersion=true >/dev/null
  test -s "$jar"
fi
