"""The wire scenario with psycopg 3 over TLS + SCRAM-SHA-256 (test/src/wire-drivers.test.ts).

Server-side binding (Parse/Bind/Describe 'P'/Execute), prepared statements after the first use
(prepare_threshold=0, so Describe 'S' is exercised too), a pipeline failing halfway, and cancel.
Prints one `key value` line per check.
"""
import datetime
import sys
import threading
import time

import psycopg
from psycopg import errors

LONG = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c"

port, password, passphrase, ca = sys.argv[1:5]
with psycopg.connect(host="localhost", port=port, user="app", password=password, dbname="defaultdb",
                     sslmode="verify-full", sslrootcert=ca, autocommit=True, prepare_threshold=0) as conn:
    conn.execute("CREATE TABLE pg3 (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)")
    at = datetime.datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc)
    insert = "INSERT INTO pg3 VALUES (%s, %s, %s, %s, %s, %s, %s)"
    conn.execute(insert, [1, 42, 1.5, True, "hé", b"\x00\x01\xff", at])
    with conn.cursor(binary=True) as cur:
        cur.execute(insert, [2, -7, 0.25, False, "two", b"", at])
    r = conn.execute("SELECT id, n, f, b, s, raw, at FROM pg3 WHERE n = %s", [42]).fetchone()
    print("row", r[0], r[1], r[2], r[3], r[4], list(r[5]), r[6] == at)

    b = conn.execute("BACKUP INTO 'nodelocal://1/pg3' WITH encryption_passphrase = %s", [passphrase]).fetchone()
    print("backup", b[1])
    print("backups", len(conn.execute("SHOW BACKUPS IN 'nodelocal://1/pg3'").fetchall()))
    cur = conn.execute("SHOW BACKUP FROM LATEST IN 'nodelocal://1/pg3' WITH encryption_passphrase = %s", [passphrase])
    names = [d.name for d in cur.description]
    for s in cur.fetchall():
        if s[names.index("object_name")] == "pg3":
            print("shown pg3", s[names.index("rows")])
    r = conn.execute("RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/pg3' "
                     "WITH encryption_passphrase = %s, new_db_name = 'pg3_copy'", [passphrase]).fetchone()
    print("restore", r[1], conn.execute("SELECT count(*) FROM pg3_copy.pg3").fetchone()[0])

    try:
        conn.execute("SELECT 1 FROM pg3 WHERE")
    except psycopg.Error as e:
        print("syntax", e.sqlstate, e.diag.statement_position)
    try:
        conn.execute(insert, [1, 0, 0.0, False, "", b"", at])
    except errors.UniqueViolation as e:
        print("duplicate", e.sqlstate)
    try:
        with conn.pipeline():
            conn.execute(insert, [3, 0, 0.0, False, "", b"", at])
            conn.execute(insert, [1, 0, 0.0, False, "", b"", at])
    except psycopg.Error as e:
        print("batch", e.sqlstate, conn.execute("SELECT count(*) FROM pg3").fetchone()[0])

    started = time.monotonic()
    threading.Timer(0.3, conn.cancel).start()
    try:
        conn.execute(LONG)
    except errors.QueryCanceled as e:
        print("cancel", e.sqlstate, time.monotonic() - started < 1.8)
    print("after", conn.execute("SELECT count(*) FROM pg3").fetchone()[0])
