// The wire scenario with pgx v5 over TLS + SCRAM-SHA-256, in the mode given as the second argument:
// "cache" (pgx's default, QueryExecModeCacheStatement: Parse + Describe of named statements) or "simple"
// (QueryExecModeSimpleProtocol: parameters interpolated client-side). Typed parameters (int64, float64,
// bool, string, []byte, time.Time), BACKUP with the passphrase as a parameter, SHOW BACKUPS, SHOW BACKUP
// with a parameter, RESTORE, a syntax error (SQLSTATE and position), a duplicate key, a SendBatch failing
// halfway, and cancel. Prints one `key value` line per check; test/src/wire-drivers.test.ts asserts on them.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func code(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s %d", pgErr.Code, pgErr.Position)
	}
	return fmt.Sprintf("none: %v", err)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	port, mode, password, passphrase, caFile := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5]
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%s user=app dbname=defaultdb sslmode=require", port))
	must(err)
	cfg.Password = password
	ca, err := os.ReadFile(caFile)
	must(err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "localhost"}
	if mode == "simple" {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	must(err)
	defer conn.Close(ctx)
	t := "go_" + mode

	_, err = conn.Exec(ctx, "CREATE TABLE "+t+" (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)")
	must(err)
	at := time.UnixMilli(1_767_323_045_250).UTC()
	insert := "INSERT INTO " + t + " VALUES ($1, $2, $3, $4, $5, $6, $7)"
	_, err = conn.Exec(ctx, insert, int64(1), int64(42), 1.5, true, "hé", []byte{0, 1, 255}, at)
	must(err)
	_, err = conn.Exec(ctx, insert, int64(2), int64(-7), 0.25, false, "two", []byte{}, at)
	must(err)
	var (
		id, n int64
		f     float64
		b     bool
		s     string
		raw   []byte
		gotAt time.Time
	)
	must(conn.QueryRow(ctx, "SELECT id, n, f, b, s, raw, at FROM "+t+" WHERE n = $1", int64(42)).Scan(&id, &n, &f, &b, &s, &raw, &gotAt))
	fmt.Printf("row %d %d %v %v %s %v %v\n", id, n, f, b, s, raw, gotAt.Equal(at))

	uri := "nodelocal://1/" + t
	var jobID int64
	var status string
	var fraction float64
	var rows int64
	must(conn.QueryRow(ctx, "BACKUP INTO '"+uri+"' WITH encryption_passphrase = $1", passphrase).Scan(&jobID, &status, &fraction, &rows))
	fmt.Printf("backup %s\n", status)
	var backups int
	r, err := conn.Query(ctx, "SHOW BACKUPS IN '"+uri+"'")
	must(err)
	for r.Next() {
		backups++
	}
	must(r.Err())
	fmt.Printf("backups %d\n", backups)
	r, err = conn.Query(ctx, "SHOW BACKUP FROM LATEST IN '"+uri+"' WITH encryption_passphrase = $1", passphrase)
	must(err)
	for r.Next() {
		m, err := pgx.RowToMap(r)
		must(err)
		if m["object_name"] == t {
			fmt.Printf("shown %s %v\n", t, m["rows"])
		}
	}
	must(r.Err())
	copyDb := t + "_copy"
	must(conn.QueryRow(ctx, "RESTORE DATABASE defaultdb FROM LATEST IN '"+uri+"' WITH encryption_passphrase = $1, new_db_name = '"+copyDb+"'", passphrase).Scan(&jobID, &status, &fraction, &rows))
	var copied int64
	must(conn.QueryRow(ctx, "SELECT count(*) FROM "+copyDb+"."+t).Scan(&copied))
	fmt.Printf("restore %s %d\n", status, copied)

	_, err = conn.Exec(ctx, "SELECT 1 FROM "+t+" WHERE")
	fmt.Printf("syntax %s\n", code(err))
	_, err = conn.Exec(ctx, insert, int64(1), int64(0), 0.0, false, "", []byte{}, at)
	fmt.Printf("duplicate %s\n", code(err))

	batch := &pgx.Batch{}
	batch.Queue(insert, int64(3), int64(0), 0.0, false, "", []byte{}, at)
	batch.Queue(insert, int64(1), int64(0), 0.0, false, "", []byte{}, at)
	batch.Queue(insert, int64(4), int64(0), 0.0, false, "", []byte{}, at)
	err = conn.SendBatch(ctx, batch).Close()
	var count int64
	must(conn.QueryRow(ctx, "SELECT count(*) FROM "+t).Scan(&count))
	fmt.Printf("batch %s %d\n", code(err), count)

	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err = conn.Exec(cctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c")
	fmt.Printf("cancel %v %v\n", err != nil, time.Since(started) < 1800*time.Millisecond)
	// pgx closes the connection when a context ends mid-query; a new one shows the session survived.
	conn2, err := pgx.ConnectConfig(ctx, cfg)
	must(err)
	defer conn2.Close(ctx)
	must(conn2.QueryRow(ctx, "SELECT count(*) FROM "+t).Scan(&count))
	fmt.Printf("after %d\n", count)
}
