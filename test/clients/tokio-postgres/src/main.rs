// The wire scenario with tokio-postgres 0.7 over TLS + SCRAM-SHA-256: typed parameters (i64, f64, bool,
// text, bytes, SystemTime), BACKUP with the passphrase as a parameter, SHOW BACKUPS, SHOW BACKUP with a
// parameter, RESTORE, a syntax error (SQLSTATE and position), a duplicate key, a transaction failing
// halfway, and cancel. Prints one `key value` line per check; the test asserts on them.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use native_tls::{Certificate, TlsConnector};
use postgres_native_tls::MakeTlsConnector;
use tokio_postgres::error::SqlState;

fn code(e: &tokio_postgres::Error) -> String {
    e.code().map(|c| c.code().to_string()).unwrap_or_else(|| format!("none: {e}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (port, password, passphrase, ca) = (&args[1], &args[2], &args[3], &args[4]);
    let cert = Certificate::from_pem(&std::fs::read(ca)?)?;
    let tls = MakeTlsConnector::new(TlsConnector::builder().add_root_certificate(cert).build()?);
    let conn = format!("host=localhost hostaddr=127.0.0.1 port={port} user=app dbname=defaultdb sslmode=require");
    let mut config: tokio_postgres::Config = conn.parse()?;
    config.password(password.as_str());
    let (mut client, connection) = config.connect(tls.clone()).await?;
    tokio::spawn(connection);

    client
        .batch_execute("CREATE TABLE rt (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)")
        .await?;
    let at = UNIX_EPOCH + Duration::from_millis(1_767_323_045_250);
    let insert = client.prepare("INSERT INTO rt VALUES ($1, $2, $3, $4, $5, $6, $7)").await?;
    client
        .execute(&insert, &[&1i64, &42i64, &1.5f64, &true, &"hé", &vec![0u8, 1, 255], &at])
        .await?;
    client.execute(&insert, &[&2i64, &-7i64, &0.25f64, &false, &"two", &Vec::<u8>::new(), &at]).await?;
    let row = client
        .query_one("SELECT id, n, f, b, s, raw, at FROM rt WHERE n = $1", &[&42i64])
        .await?;
    let (id, n, f, b, s): (i64, i64, f64, bool, String) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    let raw: Vec<u8> = row.get(5);
    let got_at: SystemTime = row.get(6);
    println!("row {id} {n} {f} {b} {s} {raw:?} {}", got_at == at);

    let backup = client
        .query_one("BACKUP INTO 'nodelocal://1/rust' WITH encryption_passphrase = $1", &[passphrase])
        .await?;
    let status: String = backup.get("status");
    println!("backup {status}");
    let backups = client.query("SHOW BACKUPS IN 'nodelocal://1/rust'", &[]).await?;
    println!("backups {}", backups.len());
    let shown = client
        .query("SHOW BACKUP FROM LATEST IN 'nodelocal://1/rust' WITH encryption_passphrase = $1", &[passphrase])
        .await?;
    for r in &shown {
        let name: String = r.get("object_name");
        if name == "rt" {
            let rows: i64 = r.get("rows");
            println!("shown rt {rows}");
        }
    }
    let restored = client
        .query_one(
            "RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/rust' WITH encryption_passphrase = $1, new_db_name = 'rust_copy'",
            &[passphrase],
        )
        .await?;
    let status: String = restored.get("status");
    let copied: i64 = client.query_one("SELECT count(*) FROM rust_copy.rt", &[]).await?.get(0);
    println!("restore {status} {copied}");

    let err = client.query("SELECT 1 FROM rt WHERE", &[]).await.unwrap_err();
    let position = match err.as_db_error().and_then(|d| d.position()) {
        Some(tokio_postgres::error::ErrorPosition::Original(p)) => *p,
        _ => 0,
    };
    println!("syntax {} {position}", code(&err));
    let err = client.execute(&insert, &[&1i64, &0i64, &0f64, &false, &"", &Vec::<u8>::new(), &at]).await.unwrap_err();
    println!("duplicate {}", code(&err));

    let tx = client.transaction().await?;
    tx.execute(&insert, &[&3i64, &0i64, &0f64, &false, &"", &Vec::<u8>::new(), &at]).await?;
    let err = tx.execute(&insert, &[&1i64, &0i64, &0f64, &false, &"", &Vec::<u8>::new(), &at]).await.unwrap_err();
    drop(tx);
    let count: i64 = client.query_one("SELECT count(*) FROM rt", &[]).await?.get(0);
    println!("batch {} {count}", code(&err));

    let token = client.cancel_token();
    let started = std::time::Instant::now();
    let canceler = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        token.cancel_query(tls).await
    });
    let long = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c";
    let err = client.query(long, &[]).await.unwrap_err();
    canceler.await??;
    let canceled = err.code() == Some(&SqlState::QUERY_CANCELED);
    println!("cancel {} {}", code(&err), canceled && started.elapsed() < Duration::from_millis(1800));
    let one: i64 = client.query_one("SELECT count(*) FROM rt", &[]).await?.get(0);
    println!("after {one}");
    Ok(())
}
