-- strongroom quickstart: an envelope-encrypted, locality-aware backup of the embedded SQLite database,
-- an incremental, key rotation without re-encryption, and a verified restore.
-- Run from the repository root:
--   npx strongroom sql --locality region=us-east --config examples/quickstart.json -f examples/quickstart.sql

-- Two master keys (one per region) and one to rotate to later. keygen never overwrites a key file.
\! strongroom keygen /tmp/strongroom-quickstart/us-east.key
\! strongroom keygen /tmp/strongroom-quickstart/eu-west.key
\! strongroom keygen /tmp/strongroom-quickstart/rotated.key

-- Demo data. Statements strongroom does not own go to the source database (SQLite here).
DROP DATABASE IF EXISTS quickstart_restored;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS customers_us;
DROP TABLE IF EXISTS customers_eu;
CREATE TABLE customers_us (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
CREATE TABLE customers_eu (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer INTEGER NOT NULL,
  amount_cents INTEGER NOT NULL,
  note TEXT,
  receipt BLOB
);
CREATE INDEX orders_by_customer ON orders (customer);
INSERT INTO customers_us (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com');
INSERT INTO customers_eu (name, email) VALUES ('Émilie', 'emilie@example.eu'), ('Sofía', 'sofia@example.eu');
INSERT INTO orders (customer, amount_cents, note, receipt) VALUES
  (1, 1250, 'first order', x'deadbeef'),
  (2, 9007199254740993, 'an amount beyond 2^53, kept exact', NULL),
  (3, 4200, 'ünïcödé ✓', x'');

-- A full backup: the EU customers' rows go to the EU bucket, everything else and all metadata to the
-- default one; the data key is wrapped under both regional keys.
BACKUP INTO ('nodelocal://1/quickstart/us?COCKROACH_LOCALITY=default',
             'nodelocal://1/quickstart/eu?COCKROACH_LOCALITY=region%3Deu-west')
  WITH kms = ('local:///tmp/strongroom-quickstart/us-east.key', 'local:///tmp/strongroom-quickstart/eu-west.key');

-- Some changes, then an incremental that stores only what changed (any one of the chain's keys will do).
INSERT INTO orders (customer, amount_cents, note) VALUES (4, 777, 'after the full backup');
UPDATE customers_eu SET email = 'sofia@example.es' WHERE name = 'Sofía';
DELETE FROM orders WHERE id = 1;
BACKUP INTO LATEST IN ('nodelocal://1/quickstart/us?COCKROACH_LOCALITY=default',
                       'nodelocal://1/quickstart/eu?COCKROACH_LOCALITY=region%3Deu-west')
  WITH kms = 'local:///tmp/strongroom-quickstart/eu-west.key';

SHOW BACKUPS IN 'nodelocal://1/quickstart/us';
SHOW BACKUP FROM LATEST IN ('nodelocal://1/quickstart/us', 'nodelocal://1/quickstart/eu')
  WITH kms = 'local:///tmp/strongroom-quickstart/us-east.key';

-- Rotate: wrap the same data key under a new master key. No data file is rewritten.
ALTER BACKUP LATEST IN 'nodelocal://1/quickstart/us'
  ADD NEW_KMS = 'local:///tmp/strongroom-quickstart/rotated.key'
  WITH OLD_KMS = 'local:///tmp/strongroom-quickstart/us-east.key';

-- Restore the whole chain with only the new key, into a new database, verifying every file's tag.
SHOW BACKUP FILES FROM LATEST IN ('nodelocal://1/quickstart/us', 'nodelocal://1/quickstart/eu')
  WITH kms = 'local:///tmp/strongroom-quickstart/rotated.key', check_files;
RESTORE DATABASE defaultdb FROM LATEST IN ('nodelocal://1/quickstart/us', 'nodelocal://1/quickstart/eu')
  WITH kms = 'local:///tmp/strongroom-quickstart/rotated.key', new_db_name = 'quickstart_restored';

-- The restored tables equal the source, row for row (EXCEPT in both directions finds nothing).
SELECT 'orders' AS table_name,
       (SELECT count(*) FROM main.orders) AS source_rows,
       (SELECT count(*) FROM quickstart_restored.orders) AS restored_rows,
       (SELECT count(*) FROM (SELECT * FROM main.orders EXCEPT SELECT * FROM quickstart_restored.orders))
     + (SELECT count(*) FROM (SELECT * FROM quickstart_restored.orders EXCEPT SELECT * FROM main.orders)) = 0
       AS identical
UNION ALL
SELECT 'customers_us', (SELECT count(*) FROM main.customers_us), (SELECT count(*) FROM quickstart_restored.customers_us),
       (SELECT count(*) FROM (SELECT * FROM main.customers_us EXCEPT SELECT * FROM quickstart_restored.customers_us))
     + (SELECT count(*) FROM (SELECT * FROM quickstart_restored.customers_us EXCEPT SELECT * FROM main.customers_us)) = 0
UNION ALL
SELECT 'customers_eu', (SELECT count(*) FROM main.customers_eu), (SELECT count(*) FROM quickstart_restored.customers_eu),
       (SELECT count(*) FROM (SELECT * FROM main.customers_eu EXCEPT SELECT * FROM quickstart_restored.customers_eu))
     + (SELECT count(*) FROM (SELECT * FROM quickstart_restored.customers_eu EXCEPT SELECT * FROM main.customers_eu)) = 0;
SELECT id, customer, amount_cents, note, hex(receipt) AS receipt FROM quickstart_restored.orders ORDER BY id;
