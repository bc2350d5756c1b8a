"""The wire scenario with asyncpg over TLS + SCRAM-SHA-256 (test/src/wire-drivers.test.ts).

asyncpg prepares every statement (Parse + Describe 'S'), binds native Python values by the described
parameter types, and uses binary formats for the types it knows. Prints one `key value` line per check.
"""
import asyncio
import datetime
import ssl
import sys
import time

import asyncpg

LONG = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c"


async def main() -> None:
    port, password, passphrase, ca = sys.argv[1:5]
    tls = ssl.create_default_context(cafile=ca)
    conn = await asyncpg.connect(host="localhost", port=int(port), user="app", password=password,
                                 database="defaultdb", ssl=tls)
    await conn.execute("CREATE TABLE ap (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)")
    at = datetime.datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc)
    insert = "INSERT INTO ap VALUES ($1, $2, $3, $4, $5, $6, $7)"
    await conn.execute(insert, 1, 42, 1.5, True, "hé", b"\x00\x01\xff", at)
    await conn.executemany(insert, [(2, -7, 0.25, False, "two", b"", at)])
    r = await conn.fetchrow("SELECT id, n, f, b, s, raw, at FROM ap WHERE n = $1", 42)
    print("row", r["id"], r["n"], r["f"], r["b"], r["s"], list(r["raw"]), r["at"] == at)

    b = await conn.fetchrow("BACKUP INTO 'nodelocal://1/ap' WITH encryption_passphrase = $1", passphrase)
    print("backup", b["status"])
    print("backups", len(await conn.fetch("SHOW BACKUPS IN 'nodelocal://1/ap'")))
    shown = await conn.fetch("SHOW BACKUP FROM LATEST IN 'nodelocal://1/ap' WITH encryption_passphrase = $1", passphrase)
    for s in shown:
        if s["object_name"] == "ap":
            print("shown ap", s["rows"])
    r = await conn.fetchrow("RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/ap' "
                            "WITH encryption_passphrase = $1, new_db_name = 'ap_copy'", passphrase)
    print("restore", r["status"], await conn.fetchval("SELECT count(*) FROM ap_copy.ap"))

    try:
        await conn.fetch("SELECT 1 FROM ap WHERE")
    except asyncpg.PostgresError as e:
        print("syntax", e.sqlstate, e.position)
    try:
        await conn.execute(insert, 1, 0, 0.0, False, "", b"", at)
    except asyncpg.UniqueViolationError as e:
        print("duplicate", e.sqlstate)
    try:
        # One pipeline of Bind/Execute before one Sync: the third row fails, so none is committed.
        await conn.executemany(insert, [(3, 0, 0.0, False, "", b"", at), (4, 0, 0.0, False, "", b"", at),
                                        (1, 0, 0.0, False, "", b"", at)])
    except asyncpg.PostgresError as e:
        print("batch", e.sqlstate, await conn.fetchval("SELECT count(*) FROM ap"))

    started = time.monotonic()
    try:
        await conn.fetchval(LONG, timeout=0.3)
    except asyncio.TimeoutError:
        print("cancel timeout", time.monotonic() - started < 1.8)
    print("after", await conn.fetchval("SELECT count(*) FROM ap"))
    await conn.close()


asyncio.run(main())
