// Usage texts of the commands, the `\?` list of backslash commands and the `\h` statement synopses.
// The synopses follow the grammar of packages/sql (issue #2) in CockroachDB's notation.

export const MAIN_USAGE = `Usage: strongroom <command> [options]

Commands:
  sql      run statements: -e STMT, -f FILE, stdin, or an interactive shell
  check    parse and validate statement files without running them
  keygen   write a new local KMS key file (local:///abs/path)
  serve    PostgreSQL wire-protocol server: psql and every PostgreSQL driver are clients

Options:
  -h, --help      show this help (also: strongroom <command> --help)
  -V, --version   print the version
`;

export const SQL_USAGE = `Usage: strongroom sql [options]

Runs statements from -e and -f in the order given, else from stdin when it is not a terminal, else starts
an interactive shell. Statements strongroom does not own are sent to the source database. A script stops
at the first error and exits non-zero.

Options:
  --source URL            source database (sqlite:///abs/dir/, sqlite:///abs/file.db, postgres://…)
  --home DIR              state directory (default $STRONGROOM_HOME or ~/.strongroom)
  --locality TIERS        this engine's locality, e.g. region=us-east,zone=a
  --config FILE           configuration file (domicile rules)
  --external-io-dir DIR   root of nodelocal:// URIs (default <home>/extern)
  --state URL             state store shared with daemons: postgres://… (default: SQLite files in the
                          home; or $STRONGROOM_STATE, which keeps a password out of the process list)
  -e, --execute STMT      statements to run (repeatable; one may hold several)
  -f, --file FILE         statement file to run (repeatable; - = stdin)
  --format FORMAT         table | tsv | csv | json (default: table on a terminal, else tsv)
  --echo                  print each statement (secrets redacted) to stderr before running it
  -h, --help              show this help
`;

export const CHECK_USAGE = `Usage: strongroom check FILE… | -e "STATEMENTS"

Parses and validates statements without running them; prints every error as file:line:col with the
source line and a caret. Exits 1 if any error was found. FILE - reads stdin.
`;

export const KEYGEN_USAGE = `Usage: strongroom keygen PATH

Writes a new 256-bit key file for the local KMS (mode 0600) and prints its local:// URI. An existing
file is never overwritten: its URI is printed and the exit status is 0.
`;

export const SERVE_USAGE = `Usage: strongroom serve [options]
       strongroom serve --add-user NAME [--users FILE] [--home DIR]   (password read from stdin)

Speaks the PostgreSQL v3 wire protocol, so psql and PostgreSQL drivers send strongroom statements (and
$1 parameters, e.g. the passphrase); statements strongroom does not own go to the session's own source
connection. Clients authenticate with SCRAM-SHA-256 against the users file (salted verifiers only).
Also runs due backup schedules (any number of serve processes may share a state store: each
occurrence runs once) and detached jobs that clients submitted (strongroom sql, the REPL, wire sessions),
and adopts the jobs of a node that died (its lease expired). Stops on SIGINT/SIGTERM, after the jobs it
runs have ended.

Options:
  --listen HOST:PORT      address to listen on (default 127.0.0.1:26257)
  --source URL            source database (as for strongroom sql)
  --home DIR              state directory (default $STRONGROOM_HOME or ~/.strongroom)
  --locality TIERS        this engine's locality
  --config FILE           configuration file (domicile rules)
  --external-io-dir DIR   root of nodelocal:// URIs (default <home>/extern)
  --state URL             state store (jobs, schedules, connections) shared by several serve nodes:
                          postgres://… (default: SQLite files in the home; or $STRONGROOM_STATE)
  --tls-cert FILE         PEM certificate (chain) for TLS; with --tls-key
  --tls-key FILE          PEM private key
  --require-tls           refuse sessions that do not use TLS
  --users FILE            users file (default <home>/users)
  --add-user NAME         add or replace NAME in the users file, password from stdin, then exit
  --scheduler-only        run due schedules (CREATE SCHEDULE) and jobs without listening for clients
  --no-scheduler          listen for clients and run jobs, without running schedules
  --schedule-interval S   seconds between scheduler passes (default 15)
  -h, --help              show this help

  psql "host=127.0.0.1 port=26257 user=NAME sslmode=require"
`;

export const META_HELP = `General
  \\q, quit, exit     quit (asks first while detached jobs of this shell run)
  \\? or \\h [NAME]   help on backslash commands / syntax of a statement
Query buffer and output (backslash commands work on any line, also mid-statement)
  \\p                show the statement typed so far
  \\r                clear it
  \\x [on|off|auto]  expanded display (one record per block; auto: when wider than the terminal)
  \\pset pager [on|off|always]  page long or wide output through $PAGER (default less)
  \\timing [on|off]  show how long each statement took
Source catalog
  \\l                list databases
  \\dt               list tables
  \\d TABLE          describe a table's columns
Input and shell
  \\i FILE           run statements from FILE (\\ir: relative to the current script)
  \\! COMMAND        run a shell command
Tab completes keywords, table and database names, URIs used earlier and file paths; Ctrl-R searches
the history. Ctrl-C cancels the running statement (or clears the input); Ctrl-D quits.
`;

const SYNOPSES: Readonly<Record<string, string>> = {
  BACKUP: `BACKUP [ TABLE name [, ...] | name [, ...] | DATABASE name [, ...] ]
    INTO { 'uri' | ( 'uri' [, ...] ) | LATEST IN uris | 'subdir' IN uris }
    [ AS OF SYSTEM TIME expr ]
    [ WITH option [, ...] | WITH OPTIONS ( option [, ...] ) ]
  options: kms = 'uri' | ( 'uri' [, ...] ), encryption_passphrase = 'secret',
           detached [= bool], execution locality = 'tiers', strict storage locality`,
  RESTORE: `RESTORE [ TABLE name [, ...] | name [, ...] | DATABASE name [, ...] ]
    FROM { LATEST | 'subdir' | $n } IN { 'uri' | ( 'uri' [, ...] ) }
    [ AS OF SYSTEM TIME expr ]
    [ WITH option [, ...] | WITH OPTIONS ( option [, ...] ) ]
  options: kms, encryption_passphrase, into_db = 'db', new_db_name = 'db', skip_missing_foreign_keys,
           skip_missing_sequences, skip_missing_views, skip_localities_check, schema_only,
           verify_backup_table_data, no_owner, no_privileges, detached`,
  'SHOW BACKUP': `SHOW BACKUP [ SCHEMAS | FILES ] [ FROM ] { LATEST | 'subdir' } IN { 'uri' | ( 'uri' [, ...] ) }
    [ WITH option [, ...] ]
  options: kms, encryption_passphrase, check_files`,
  'SHOW BACKUPS': `SHOW BACKUPS IN 'uri'`,
  'ALTER BACKUP': `ALTER BACKUP { LATEST | 'subdir' } [ IN 'uri' ]
    ADD NEW_KMS = { 'uri' | ( 'uri' [, ...] ) }
    WITH OLD_KMS = { 'uri' | ( 'uri' [, ...] ) }`,
  'SHOW JOBS': `SHOW JOBS [ select ]
SHOW JOBS WHEN COMPLETE select
SHOW JOB [ WHEN COMPLETE ] job_id
SELECT … FROM [SHOW JOBS] WHERE …
  select: ( SELECT job_id FROM [SHOW JOBS] WHERE … ), run by SQLite over the jobs`,
  'PAUSE JOB': `PAUSE JOB job_id [ WITH REASON = 'text' ]
PAUSE JOBS select [ WITH REASON = 'text' ]
PAUSE ALL { BACKUP | RESTORE } JOBS`,
  'RESUME JOB': `RESUME JOB job_id
RESUME JOBS select
RESUME ALL { BACKUP | RESTORE } JOBS`,
  'CANCEL JOB': `CANCEL JOB job_id
CANCEL JOBS select
CANCEL ALL { BACKUP | RESTORE } JOBS`,
  'SHOW DATABASES': `SHOW DATABASES`,
  'SHOW TABLES': `SHOW TABLES [ FROM database ]`,
  'CREATE EXTERNAL CONNECTION': `CREATE EXTERNAL CONNECTION [ IF NOT EXISTS ] name AS 'uri'
  then 'external://name[/path]' wherever a storage or KMS URI goes`,
  'SHOW EXTERNAL CONNECTIONS': `SHOW EXTERNAL CONNECTIONS
SHOW EXTERNAL CONNECTION name
SHOW BACKUP CONNECTION 'uri'`,
  'DROP EXTERNAL CONNECTION': `DROP EXTERNAL CONNECTION name`,
  'CREATE SCHEDULE': `CREATE SCHEDULE [ IF NOT EXISTS ] [ label ] FOR BACKUP [ targets ] INTO 'uri' [ WITH option [, ...] ]
    RECURRING 'crontab' [ FULL BACKUP { 'crontab' | ALWAYS } ]
    [ WITH SCHEDULE OPTIONS option [, ...] ]
  options: first_run = 'now' | 'timestamp', on_execution_failure = retry | reschedule | pause,
           on_previous_running = start | skip | wait, ignore_existing_backups, keep_full = n`,
  'SHOW SCHEDULES': `SHOW SCHEDULES
SHOW SCHEDULE schedule_id
SHOW CREATE SCHEDULE schedule_id
SHOW JOBS FOR SCHEDULE schedule_id`,
  'ALTER BACKUP SCHEDULE': `ALTER BACKUP SCHEDULE schedule_id command [, ...]
  commands: SET LABEL 'l', SET INTO 'uri', SET WITH option, SET RECURRING 'crontab',
            SET FULL BACKUP 'crontab', SET SCHEDULE OPTION option = value, EXECUTE [ FULL ] IMMEDIATELY`,
  'DROP SCHEDULE': `PAUSE SCHEDULE schedule_id
RESUME SCHEDULE schedule_id
DROP SCHEDULE schedule_id`,
  'EXPIRE BACKUPS': `EXPIRE BACKUPS IN 'uri' WITH OPTIONS ( keep_full = n | older_than = 'timestamp' | '-30d' )
  removes whole chains (a full backup and its incrementals), never the newest`,
  EXPLAIN: `EXPLAIN statement
  prints the job plan of an owned statement (BACKUP, RESTORE, SHOW BACKUP, ALTER BACKUP, …); runs nothing`,
};

const ALIASES: Readonly<Record<string, string>> = {
  'SHOW JOB': 'SHOW JOBS',
  'PAUSE JOBS': 'PAUSE JOB',
  'RESUME JOBS': 'RESUME JOB',
  'CANCEL JOBS': 'CANCEL JOB',
  PAUSE: 'PAUSE JOB',
  RESUME: 'RESUME JOB',
  CANCEL: 'CANCEL JOB',
  ALTER: 'ALTER BACKUP',
  'PAUSE SCHEDULE': 'DROP SCHEDULE',
  'RESUME SCHEDULE': 'DROP SCHEDULE',
  'SHOW SCHEDULE': 'SHOW SCHEDULES',
  'SHOW CREATE SCHEDULE': 'SHOW SCHEDULES',
  'SHOW EXTERNAL CONNECTION': 'SHOW EXTERNAL CONNECTIONS',
  'SHOW BACKUP CONNECTION': 'SHOW EXTERNAL CONNECTIONS',
  'CREATE EXTERNAL': 'CREATE EXTERNAL CONNECTION',
};

/** `\h` text for a statement name (any case, extra spaces allowed); the topic list for ''; else undefined. */
export function statementHelp(topic: string): string | undefined {
  const key = topic.replace(/;$/, '').trim().replace(/\s+/g, ' ').toUpperCase();
  if (key === '') {
    return `Statements strongroom runs itself (others go to the source database):\n  ${Object.keys(
      SYNOPSES,
    ).join(', ')}\nTry \\h BACKUP.\n`;
  }
  const name = SYNOPSES[key] ? key : ALIASES[key];
  const synopsis = name === undefined ? undefined : SYNOPSES[name];
  return synopsis === undefined ? undefined : `Command: ${name}\nSyntax:\n${synopsis}\n`;
}
