// The grammar of strongroom's statements (after CockroachDB's pkg/sql/parser/sql.y) as a Chevrotain CstParser. The rule names are
// the grammar's non-terminals: grammar/strongroom.ebnf and the railroad diagrams are generated from this
// class, and completion runs `computeContentAssist('statement', …)` against it.
import { CstParser } from './chevrotain.js';
import {
  allTokens,
  Comma,
  Dot,
  Equals,
  KW,
  LParen,
  NonReservedWord,
  NumberLiteral,
  Placeholder,
  QueryToken,
  QuotedIdentifier,
  RParen,
  Sconst,
  Star,
} from './tokens.js';

export class StatementParser extends CstParser {
  /**
   * `validate`: run Chevrotain's grammar validations (ambiguities, left recursion, …). They take a tenth of
   * the CLI's start-up, and the grammar only changes with the code, so the parser every statement uses skips
   * them and a test (grammar.test.ts) builds one with them on.
   */
  constructor(options: { readonly validate?: boolean } = {}) {
    super(allTokens, { maxLookahead: 3, recoveryEnabled: false, skipValidations: options.validate !== true });
    this.performSelfAnalysis();
  }

  statement = this.RULE('statement', () => {
    this.OPTION(() => this.CONSUME(KW.EXPLAIN));
    this.OR([
      { ALT: () => this.SUBRULE(this.backupStatement) },
      { ALT: () => this.SUBRULE(this.restoreStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      {
        // `ALTER BACKUP SCHEDULE n …`, before ALTER BACKUP <backup> (which would take SCHEDULE as a name).
        GATE: () =>
          this.LA(3).tokenType === KW.SCHEDULE &&
          (this.LA(4).tokenType === NumberLiteral || this.LA(4).tokenType === Placeholder),
        IGNORE_AMBIGUITIES: true,
        ALT: () => this.SUBRULE(this.alterBackupSchedule),
      },
      { ALT: () => this.SUBRULE(this.alterBackupStatement) },
      { ALT: () => this.SUBRULE(this.jobControlStatement) },
      { ALT: () => this.SUBRULE(this.selectStatement) },
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.dropExternalConnection) },
      { ALT: () => this.SUBRULE(this.scheduleControlStatement) },
      { ALT: () => this.SUBRULE(this.expireBackupsStatement) },
    ]);
  });

  /** `CREATE EXTERNAL CONNECTION …` or `CREATE SCHEDULE … FOR BACKUP …`. */
  createStatement = this.RULE('createStatement', () => {
    this.CONSUME(KW.CREATE);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(KW.EXTERNAL);
          this.CONSUME(KW.CONNECTION);
          this.OPTION(() => this.SUBRULE(this.ifNotExists));
          this.SUBRULE(this.stringValue);
          this.CONSUME(KW.AS);
          this.SUBRULE2(this.stringValue);
        },
      },
      { ALT: () => this.SUBRULE(this.createSchedule) },
    ]);
  });

  /** `ALTER BACKUP SCHEDULE n cmd, …` (CockroachDB's alter_backup_schedule). */
  alterBackupSchedule = this.RULE('alterBackupSchedule', () => {
    this.CONSUME(KW.ALTER);
    this.CONSUME(KW.BACKUP);
    this.CONSUME(KW.SCHEDULE);
    this.SUBRULE(this.intValue);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.scheduleCommand) });
  });

  scheduleCommand = this.RULE('scheduleCommand', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(KW.SET);
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(KW.LABEL);
                this.SUBRULE(this.stringValue);
              },
            },
            {
              ALT: () => {
                this.CONSUME(KW.INTO);
                this.SUBRULE(this.stringOrList);
              },
            },
            {
              ALT: () => {
                this.CONSUME(KW.WITH);
                this.SUBRULE(this.backupOption);
              },
            },
            {
              ALT: () => {
                this.CONSUME(KW.RECURRING);
                this.SUBRULE(this.recurrence);
              },
            },
            {
              ALT: () => {
                this.CONSUME(KW.FULL);
                this.CONSUME(KW.BACKUP);
                this.SUBRULE2(this.recurrence);
              },
            },
            {
              ALT: () => {
                this.CONSUME2(KW.SCHEDULE);
                this.CONSUME(KW.OPTION);
                this.SUBRULE(this.kvOption);
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.EXECUTE);
          this.OPTION(() => this.CONSUME2(KW.FULL));
          this.CONSUME(KW.IMMEDIATELY);
        },
      },
    ]);
  });

  ifNotExists = this.RULE('ifNotExists', () => {
    this.CONSUME(KW.IF);
    this.CONSUME(KW.NOT);
    this.CONSUME(KW.EXISTS);
  });

  createSchedule = this.RULE('createSchedule', () => {
    this.CONSUME(KW.SCHEDULE);
    this.OPTION(() => this.SUBRULE(this.ifNotExists));
    this.OPTION2(() => this.SUBRULE(this.stringValue));
    this.CONSUME(KW.FOR);
    this.SUBRULE(this.backupStatement);
    this.CONSUME(KW.RECURRING);
    this.SUBRULE(this.recurrence);
    this.OPTION3(() => {
      this.CONSUME(KW.FULL);
      this.CONSUME(KW.BACKUP);
      this.SUBRULE2(this.recurrence);
    });
    this.OPTION4(() => {
      this.CONSUME(KW.WITH);
      this.CONSUME2(KW.SCHEDULE);
      this.SUBRULE(this.kvOptions);
    });
  });

  /** A crontab (or `@daily`, …) as a string, `NEVER` or `ALWAYS`. */
  recurrence = this.RULE('recurrence', () => {
    this.OR([
      { ALT: () => this.CONSUME(Sconst) },
      { ALT: () => this.CONSUME(Placeholder) },
      { ALT: () => this.CONSUME(KW.NEVER) },
      { ALT: () => this.CONSUME(KW.ALWAYS) },
    ]);
  });

  /** `OPTIONS kv, …` or `OPTIONS (kv, …)`: names and values are checked by whoever runs the statement. */
  kvOptions = this.RULE('kvOptions', () => {
    this.CONSUME(KW.OPTIONS);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.kvOption) });
          this.CONSUME(RParen);
        },
      },
      { ALT: () => this.AT_LEAST_ONE_SEP2({ SEP: Comma, DEF: () => this.SUBRULE2(this.kvOption) }) },
    ]);
  });

  kvOption = this.RULE('kvOption', () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.OR([
        { ALT: () => this.SUBRULE(this.stringValue) },
        { ALT: () => this.CONSUME(NumberLiteral) },
        { ALT: () => this.CONSUME(KW.TRUE) },
        { ALT: () => this.CONSUME(KW.FALSE) },
      ]);
    });
  });

  dropExternalConnection = this.RULE('dropExternalConnection', () => {
    this.CONSUME(KW.DROP);
    this.CONSUME(KW.EXTERNAL);
    this.CONSUME(KW.CONNECTION);
    this.SUBRULE(this.stringValue);
  });

  /** `PAUSE | RESUME | DROP SCHEDULE n` or `… SCHEDULES <select>`. */
  scheduleControlStatement = this.RULE('scheduleControlStatement', () => {
    this.OR([
      { ALT: () => this.CONSUME(KW.PAUSE) },
      { ALT: () => this.CONSUME(KW.RESUME) },
      { ALT: () => this.CONSUME(KW.DROP) },
    ]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(KW.SCHEDULE);
          this.SUBRULE(this.intValue);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.SCHEDULES);
          this.SUBRULE(this.selectStmt);
        },
      },
    ]);
  });

  /** An extension: `EXPIRE BACKUPS IN <collection> WITH OPTIONS (keep_full = n | older_than = 't')`. */
  expireBackupsStatement = this.RULE('expireBackupsStatement', () => {
    this.CONSUME(KW.EXPIRE);
    this.CONSUME(KW.BACKUPS);
    this.CONSUME(KW.IN);
    this.SUBRULE(this.stringOrList);
    this.CONSUME(KW.WITH);
    this.SUBRULE(this.kvOptions);
  });

  /** `SELECT … FROM [SHOW JOBS] …`: a query over the jobs (owned only when it reads `[SHOW JOBS]`). */
  selectStatement = this.RULE('selectStatement', () => {
    this.OR([{ ALT: () => this.CONSUME(KW.SELECT) }, { ALT: () => this.CONSUME(KW.WITH) }]);
    this.SUBRULE(this.queryTokens);
  });

  backupStatement = this.RULE('backupStatement', () => {
    this.CONSUME(KW.BACKUP);
    this.OPTION(() => this.SUBRULE(this.targets));
    this.CONSUME(KW.INTO);
    this.SUBRULE(this.backupDestination);
    this.OPTION2(() => this.SUBRULE(this.asOf));
    this.OPTION3(() => this.SUBRULE(this.backupOptions));
  });

  backupDestination = this.RULE('backupDestination', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(KW.LATEST);
            this.CONSUME(KW.IN);
            this.SUBRULE(this.stringOrList);
          },
        },
        {
          ALT: () => {
            this.OR2([{ ALT: () => this.CONSUME(Sconst) }, { ALT: () => this.CONSUME(Placeholder) }]);
            this.CONSUME2(KW.IN);
            this.SUBRULE2(this.stringOrList);
          },
        },
        { ALT: () => this.SUBRULE3(this.stringOrList) },
      ],
    });
  });

  restoreStatement = this.RULE('restoreStatement', () => {
    this.CONSUME(KW.RESTORE);
    this.OPTION(() => this.SUBRULE(this.targets));
    this.CONSUME(KW.FROM);
    this.SUBRULE(this.stringValue);
    this.CONSUME(KW.IN);
    this.SUBRULE(this.stringOrList);
    this.OPTION2(() => this.SUBRULE(this.asOf));
    this.OPTION3(() => this.SUBRULE(this.restoreOptions));
  });

  showStatement = this.RULE('showStatement', () => {
    this.CONSUME(KW.SHOW);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(KW.BACKUPS);
          this.CONSUME(KW.IN);
          this.SUBRULE(this.stringOrList);
          this.OPTION4(() => this.SUBRULE(this.showBackupsOptions));
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.BACKUP);
          // `SHOW BACKUP schemas IN …` names a backup called "schemas", not the SCHEMAS detail.
          this.OPTION({
            GATE: () => this.LA(2).tokenType !== KW.IN,
            DEF: () => this.SUBRULE(this.showBackupDetails),
          });
          this.OPTION2(() => this.CONSUME(KW.FROM));
          this.SUBRULE(this.stringValue);
          this.CONSUME2(KW.IN);
          this.SUBRULE2(this.stringOrList);
          this.OPTION3(() => this.SUBRULE(this.showBackupOptions));
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.JOBS);
          this.OPTION5(() =>
            this.OR2([
              {
                ALT: () => {
                  this.CONSUME(KW.WHEN);
                  this.CONSUME(KW.COMPLETE);
                  this.SUBRULE(this.selectStmt);
                },
              },
              { ALT: () => this.SUBRULE(this.forSchedules) },
              { ALT: () => this.SUBRULE2(this.selectStmt) },
            ]),
          );
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.JOB);
          this.OPTION6(() => {
            this.CONSUME2(KW.WHEN);
            this.CONSUME2(KW.COMPLETE);
          });
          this.SUBRULE(this.intValue);
        },
      },
      { ALT: () => this.CONSUME(KW.DATABASES) },
      {
        ALT: () => {
          this.CONSUME(KW.TABLES);
          this.OPTION7(() => {
            this.CONSUME3(KW.FROM);
            this.SUBRULE(this.name);
          });
        },
      },
      { ALT: () => this.SUBRULE(this.showManagement) },
    ]);
  });

  /** SHOW of connections and schedules: `EXTERNAL CONNECTION[S]`, `BACKUP CONNECTION`, `SCHEDULE[S]`,
   * `CREATE SCHEDULE n`, `CREATE ALL SCHEDULES`. */
  showManagement = this.RULE('showManagement', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(KW.EXTERNAL);
          this.OR2([
            { ALT: () => this.CONSUME(KW.CONNECTIONS) },
            {
              ALT: () => {
                this.CONSUME(KW.CONNECTION);
                this.SUBRULE(this.stringValue);
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.BACKUP);
          this.CONSUME2(KW.CONNECTION);
          this.SUBRULE2(this.stringValue);
        },
      },
      { ALT: () => this.CONSUME(KW.SCHEDULES) },
      {
        ALT: () => {
          this.CONSUME(KW.SCHEDULE);
          this.SUBRULE(this.intValue);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.CREATE);
          this.OR3([
            {
              ALT: () => {
                this.CONSUME2(KW.SCHEDULE);
                this.SUBRULE2(this.intValue);
              },
            },
            {
              ALT: () => {
                this.CONSUME(KW.ALL);
                this.CONSUME2(KW.SCHEDULES);
              },
            },
          ]);
        },
      },
    ]);
  });

  showBackupDetails = this.RULE('showBackupDetails', () => {
    this.OR([
      { ALT: () => this.CONSUME(KW.SCHEMAS) },
      { ALT: () => this.CONSUME(KW.FILES) },
      { ALT: () => this.CONSUME(KW.RANGES) },
    ]);
  });

  alterBackupStatement = this.RULE('alterBackupStatement', () => {
    this.CONSUME(KW.ALTER);
    this.CONSUME(KW.BACKUP);
    this.SUBRULE(this.stringValue);
    this.OPTION(() => {
      this.CONSUME(KW.IN);
      this.SUBRULE2(this.stringValue);
    });
    this.AT_LEAST_ONE(() => this.SUBRULE(this.alterBackupCommand));
  });

  alterBackupCommand = this.RULE('alterBackupCommand', () => {
    this.CONSUME(KW.ADD);
    this.CONSUME(KW.NEW_KMS);
    this.CONSUME(Equals);
    this.SUBRULE(this.stringOrList);
    this.CONSUME(KW.WITH);
    this.CONSUME(KW.OLD_KMS);
    this.CONSUME2(Equals);
    this.SUBRULE2(this.stringOrList);
  });

  jobControlStatement = this.RULE('jobControlStatement', () => {
    this.OR([
      { ALT: () => this.CONSUME(KW.PAUSE) },
      { ALT: () => this.CONSUME(KW.RESUME) },
      { ALT: () => this.CONSUME(KW.CANCEL) },
    ]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(KW.JOB);
          this.SUBRULE(this.intValue);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.JOBS);
          this.OR3([
            { ALT: () => this.SUBRULE(this.forSchedules) },
            { ALT: () => this.SUBRULE(this.selectStmt) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.ALL);
          this.SUBRULE(this.name);
          this.CONSUME2(KW.JOBS);
        },
      },
    ]);
    // CockroachDB takes a reason for PAUSE only; cst-to-ast refuses it after RESUME and CANCEL.
    this.OPTION(() => {
      this.CONSUME(KW.WITH);
      this.CONSUME(KW.REASON);
      this.CONSUME(Equals);
      this.SUBRULE(this.stringValue);
    });
  });

  /** `FOR SCHEDULE n` or `FOR SCHEDULES <select>`. */
  forSchedules = this.RULE('forSchedules', () => {
    this.CONSUME(KW.FOR);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(KW.SCHEDULE);
          this.SUBRULE(this.intValue);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.SCHEDULES);
          this.SUBRULE(this.selectStmt);
        },
      },
    ]);
  });

  /** A query whose text is kept as written: `(…)` or `SELECT …` up to the end (or `WITH REASON`). */
  selectStmt = this.RULE('selectStmt', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.SUBRULE(this.queryTokens);
          this.CONSUME(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(KW.SELECT);
          this.SUBRULE2(this.queryTokens);
        },
      },
    ]);
  });

  /** Any tokens with balanced parentheses; a trailing `WITH REASON` belongs to PAUSE, not to the query. */
  queryTokens = this.RULE('queryTokens', () => {
    this.MANY({
      GATE: () => !(this.LA(1).tokenType === KW.WITH && this.LA(2).tokenType === KW.REASON),
      DEF: () =>
        this.OR([
          { ALT: () => this.CONSUME(QueryToken) },
          {
            ALT: () => {
              this.CONSUME(LParen);
              this.SUBRULE(this.queryTokens);
              this.CONSUME(RParen);
            },
          },
        ]),
    });
  });

  targets = this.RULE('targets', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(KW.TABLE);
            this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.tablePattern) });
          },
        },
        {
          ALT: () => {
            this.CONSUME(KW.DATABASE);
            this.AT_LEAST_ONE_SEP2({ SEP: Comma, DEF: () => this.SUBRULE(this.name) });
          },
        },
        { ALT: () => this.AT_LEAST_ONE_SEP3({ SEP: Comma, DEF: () => this.SUBRULE2(this.tablePattern) }) },
      ],
    });
  });

  tablePattern = this.RULE('tablePattern', () => {
    this.SUBRULE(this.name);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.OR([{ ALT: () => this.SUBRULE2(this.name) }, { ALT: () => this.CONSUME(Star) }]);
    });
  });

  name = this.RULE('name', () => {
    this.OR([{ ALT: () => this.CONSUME(NonReservedWord) }, { ALT: () => this.CONSUME(QuotedIdentifier) }]);
  });

  asOf = this.RULE('asOf', () => {
    this.CONSUME(KW.AS);
    this.CONSUME(KW.OF);
    this.CONSUME(KW.SYSTEM);
    this.CONSUME(KW.TIME);
    this.OR([
      { ALT: () => this.CONSUME(Sconst) },
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.CONSUME(Placeholder) },
      {
        ALT: () => {
          this.SUBRULE(this.name);
          this.CONSUME(LParen);
          this.CONSUME(RParen);
        },
      },
    ]);
  });

  backupOptions = this.RULE('backupOptions', () => this.withOptions(this.backupOption));
  restoreOptions = this.RULE('restoreOptions', () => this.withOptions(this.restoreOption));
  showBackupOptions = this.RULE('showBackupOptions', () => this.withOptions(this.showBackupOption));
  showBackupsOptions = this.RULE('showBackupsOptions', () => this.withOptions(this.showBackupsOption));
  /** CockroachDB's SHOW BACKUPS takes `index` (its backup index, v25.4). */
  showBackupsOption = this.RULE('showBackupsOption', () => this.CONSUME(KW.INDEX));

  backupOption = this.RULE('backupOption', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.kmsOption) },
      { ALT: () => this.SUBRULE(this.passphraseOption) },
      { ALT: () => this.SUBRULE(this.revisionHistoryOption) },
      { ALT: () => this.SUBRULE(this.detachedOption) },
      { ALT: () => this.SUBRULE(this.incrementalLocationOption) },
      { ALT: () => this.SUBRULE(this.executionLocalityOption) },
      { ALT: () => this.SUBRULE(this.includeAllVirtualClustersOption) },
      { ALT: () => this.SUBRULE(this.updatesMetricsOption) },
      { ALT: () => this.CONSUME(KW.SKIP_ROLLBACK_CHECK) },
      {
        ALT: () => {
          this.CONSUME(KW.STRICT);
          this.CONSUME(KW.STORAGE);
          this.CONSUME(KW.LOCALITY);
        },
      },
    ]);
  });

  restoreOption = this.RULE('restoreOption', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.kmsOption) },
      { ALT: () => this.SUBRULE(this.passphraseOption) },
      { ALT: () => this.SUBRULE(this.intoDbOption) },
      { ALT: () => this.SUBRULE(this.newDbNameOption) },
      { ALT: () => this.CONSUME(KW.SKIP_MISSING_FOREIGN_KEYS) },
      { ALT: () => this.CONSUME(KW.SKIP_MISSING_SEQUENCES) },
      { ALT: () => this.CONSUME(KW.SKIP_MISSING_VIEWS) },
      { ALT: () => this.CONSUME(KW.SKIP_LOCALITIES_CHECK) },
      { ALT: () => this.CONSUME(KW.SCHEMA_ONLY) },
      { ALT: () => this.CONSUME(KW.VERIFY_BACKUP_TABLE_DATA) },
      { ALT: () => this.CONSUME(KW.SKIP_MISSING_SEQUENCE_OWNERS) },
      { ALT: () => this.CONSUME(KW.SKIP_MISSING_UDFS) },
      { ALT: () => this.CONSUME(KW.REMOVE_REGIONS) },
      { ALT: () => this.CONSUME(KW.UNSAFE_RESTORE_INCOMPATIBLE_VERSION) },
      {
        ALT: () => {
          this.CONSUME(KW.EXPERIMENTAL);
          this.OPTION(() => this.CONSUME(KW.DEFERRED));
          this.CONSUME(KW.COPY);
        },
      },
      { ALT: () => this.CONSUME(KW.SKIP_ROLLBACK_CHECK) },
      { ALT: () => this.CONSUME(KW.NO_OWNER) },
      { ALT: () => this.CONSUME(KW.NO_PRIVILEGES) },
      { ALT: () => this.SUBRULE(this.detachedOption) },
      { ALT: () => this.SUBRULE(this.incrementalLocationOption) },
      { ALT: () => this.SUBRULE(this.executionLocalityOption) },
    ]);
  });

  showBackupOption = this.RULE('showBackupOption', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.kmsOption) },
      { ALT: () => this.SUBRULE(this.passphraseOption) },
      { ALT: () => this.CONSUME(KW.CHECK_FILES) },
      { ALT: () => this.CONSUME(KW.AS_JSON) },
      {
        ALT: () => {
          this.CONSUME(KW.SKIP);
          this.CONSUME(KW.SIZE);
        },
      },
      { ALT: () => this.CONSUME(KW.DEBUG_IDS) },
      { ALT: () => this.CONSUME(KW.PRIVILEGES) },
      { ALT: () => this.CONSUME(KW.SKIP_ROLLBACK_CHECK) },
      { ALT: () => this.SUBRULE(this.incrementalLocationOption) },
      { ALT: () => this.SUBRULE(this.encryptionInfoDirOption) },
    ]);
  });

  kmsOption = this.RULE('kmsOption', () => {
    this.CONSUME(KW.KMS);
    this.CONSUME(Equals);
    this.SUBRULE(this.stringOrList);
  });

  passphraseOption = this.RULE('passphraseOption', () => this.stringOption(KW.ENCRYPTION_PASSPHRASE));

  detachedOption = this.RULE('detachedOption', () => this.boolOption(KW.DETACHED));
  revisionHistoryOption = this.RULE('revisionHistoryOption', () => this.boolOption(KW.REVISION_HISTORY));
  intoDbOption = this.RULE('intoDbOption', () => this.stringOption(KW.INTO_DB));
  encryptionInfoDirOption = this.RULE('encryptionInfoDirOption', () =>
    this.stringOption(KW.ENCRYPTION_INFO_DIR),
  );
  includeAllVirtualClustersOption = this.RULE('includeAllVirtualClustersOption', () =>
    this.boolOption(KW.INCLUDE_ALL_VIRTUAL_CLUSTERS),
  );
  updatesMetricsOption = this.RULE('updatesMetricsOption', () =>
    this.boolOption(KW.UPDATES_CLUSTER_MONITORING_METRICS),
  );
  newDbNameOption = this.RULE('newDbNameOption', () => this.stringOption(KW.NEW_DB_NAME));

  incrementalLocationOption = this.RULE('incrementalLocationOption', () => {
    this.CONSUME(KW.INCREMENTAL_LOCATION);
    this.CONSUME(Equals);
    this.SUBRULE(this.stringOrList);
  });

  executionLocalityOption = this.RULE('executionLocalityOption', () => {
    this.CONSUME(KW.EXECUTION);
    this.CONSUME(KW.LOCALITY);
    this.CONSUME(Equals);
    this.SUBRULE(this.stringValue);
  });

  boolValue = this.RULE('boolValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(KW.TRUE) },
      { ALT: () => this.CONSUME(KW.FALSE) },
      { ALT: () => this.CONSUME(Placeholder) },
    ]);
  });

  intValue = this.RULE('intValue', () => {
    this.OR([{ ALT: () => this.CONSUME(NumberLiteral) }, { ALT: () => this.CONSUME(Placeholder) }]);
  });

  /** A string where CockroachDB's `string_or_placeholder` is: a literal, a bare word, or `$n`. */
  stringValue = this.RULE('stringValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(Sconst) },
      { ALT: () => this.CONSUME(NonReservedWord) },
      { ALT: () => this.CONSUME(Placeholder) },
    ]);
  });

  /** `string_or_placeholder_opt_list`: one string, or a parenthesised list of them. */
  stringOrList = this.RULE('stringOrList', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.stringValue) },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE2(this.stringValue) });
          this.CONSUME(RParen);
        },
      },
    ]);
  });

  /** `WITH opt, …` or `WITH OPTIONS (opt, …)`: the two spellings are equivalent. */
  private withOptions(option: (idx: number) => unknown): void {
    this.CONSUME(KW.WITH);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(KW.OPTIONS);
          this.CONSUME(LParen);
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(option as never) });
          this.CONSUME(RParen);
        },
      },
      { ALT: () => this.AT_LEAST_ONE_SEP2({ SEP: Comma, DEF: () => this.SUBRULE2(option as never) }) },
    ]);
  }

  private stringOption(keyword: (typeof KW)[keyof typeof KW]): void {
    this.CONSUME(keyword);
    this.CONSUME(Equals);
    this.SUBRULE(this.stringValue);
  }

  private boolOption(keyword: (typeof KW)[keyof typeof KW]): void {
    this.CONSUME(keyword);
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.SUBRULE(this.boolValue);
    });
  }
}

/** One shared instance: Chevrotain parsers are reusable by resetting `input`. */
export const statementParser = new StatementParser();
