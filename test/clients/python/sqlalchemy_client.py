"""The wire scenario with SQLAlchemy 2 on psycopg2 over TLS + SCRAM-SHA-256 (test/src/wire-drivers.test.ts).

SQLAlchemy's dialect asks version(), current_schema(), standard_conforming_strings, the isolation level
and the hstore type at connect; psycopg2 interpolates parameters client-side (simple protocol).
Prints one `key value` line per check.
"""
import datetime
import sys
import threading
import time

import psycopg2
import psycopg2.errors
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

LONG = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c"

port, password, passphrase, ca = sys.argv[1:5]
engine = create_engine(
    f"postgresql+psycopg2://app:{password}@localhost:{port}/defaultdb",
    connect_args={"sslmode": "verify-full", "sslrootcert": ca},
)
with engine.connect() as conn:
    print("version", conn.dialect.server_version_info[0])
    conn.execute(text("CREATE TABLE sa (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)"))
    conn.commit()
    at = datetime.datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc)
    insert = text("INSERT INTO sa VALUES (:id, :n, :f, :b, :s, :raw, :at)")
    conn.execute(insert, [{"id": 1, "n": 42, "f": 1.5, "b": True, "s": "hé", "raw": b"\x00\x01\xff", "at": at},
                          {"id": 2, "n": -7, "f": 0.25, "b": False, "s": "two", "raw": b"", "at": at}])
    conn.commit()
    r = conn.execute(text("SELECT id, n, f, b, s, raw, at FROM sa WHERE n = :n"), {"n": 42}).one()
    print("row", r.id, r.n, r.f, r.b, r.s, list(bytes(r.raw)), r.at == at)
    conn.rollback()

    # BACKUP and RESTORE run outside a transaction block (or with DETACHED): autocommit.
    auto = conn.execution_options(isolation_level="AUTOCOMMIT")
    b = auto.execute(text("BACKUP INTO 'nodelocal://1/sa' WITH encryption_passphrase = :p"), {"p": passphrase}).one()
    print("backup", b.status)
    print("backups", len(auto.execute(text("SHOW BACKUPS IN 'nodelocal://1/sa'")).all()))
    for s in auto.execute(text("SHOW BACKUP FROM LATEST IN 'nodelocal://1/sa' WITH encryption_passphrase = :p"),
                          {"p": passphrase}):
        if s.object_name == "sa":
            print("shown sa", s.rows)
    r = auto.execute(text("RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/sa' "
                          "WITH encryption_passphrase = :p, new_db_name = 'sa_copy'"), {"p": passphrase}).one()
    print("restore", r.status, auto.execute(text("SELECT count(*) FROM sa_copy.sa")).scalar())

    try:
        auto.execute(text("SELECT 1 FROM sa WHERE"))
    except DBAPIError as e:
        print("syntax", e.orig.pgcode, e.orig.diag.statement_position)
    try:
        auto.execute(insert, {"id": 1, "n": 0, "f": 0.0, "b": False, "s": "", "raw": b"", "at": at})
    except DBAPIError as e:
        print("duplicate", e.orig.pgcode, isinstance(e.orig, psycopg2.errors.UniqueViolation))

try:
    with engine.begin() as tx:
        tx.execute(insert, {"id": 3, "n": 0, "f": 0.0, "b": False, "s": "", "raw": b"", "at": at})
        tx.execute(insert, {"id": 1, "n": 0, "f": 0.0, "b": False, "s": "", "raw": b"", "at": at})
except DBAPIError as e:
    with engine.connect() as conn:
        print("batch", e.orig.pgcode, conn.execute(text("SELECT count(*) FROM sa")).scalar())

raw = engine.raw_connection()
cur = raw.cursor()
started = time.monotonic()
threading.Timer(0.3, raw.driver_connection.cancel).start()
try:
    cur.execute(LONG)
except psycopg2.errors.QueryCanceled as e:
    print("cancel", e.pgcode, time.monotonic() - started < 1.8)
raw.rollback()
cur.execute("SELECT count(*) FROM sa")
print("after", cur.fetchone()[0])
raw.close()
