// Token types of the statement language (CockroachDB's lexical rules, pkg/sql/scanner). Keywords are
// case-insensitive and listed longest first, so `skip_missing_views` never lexes as `skip`; each falls back
// to Identifier through `longer_alt`. Reserved keywords cannot be bare words; the rest can.
import type { TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';
import {
  matchBlockComment,
  matchDollarString,
  matchUnterminatedComment,
  matchUnterminatedDollar,
} from './lexical-matchers.js';

/** Any keyword (used by completion, the formatter's quoting rule and the ownership check). */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });
/** A word usable as a name or as a bare-word string: identifiers and unreserved keywords. */
export const NonReservedWord = createToken({ name: 'NonReservedWord', pattern: Lexer.NA });
/** A string constant: `'…'`, `e'…'` or `$$…$$`. */
export const Sconst = createToken({ name: 'Sconst', pattern: Lexer.NA });
/** Any token a SELECT may hold except parentheses and `;`: job statements take a query (`JOBS (SELECT …)`). */
export const QueryToken = createToken({ name: 'QueryToken', pattern: Lexer.NA });
/** Tokens that only exist to report a lexical error with a position. */
export const LexicalError = createToken({ name: 'LexicalError', pattern: Lexer.NA });

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: { exec: matchBlockComment },
  group: Lexer.SKIPPED,
  line_breaks: true,
  start_chars_hint: ['/'],
});
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: { exec: matchUnterminatedComment },
  line_breaks: true,
  start_chars_hint: ['/'],
  categories: [LexicalError],
});

export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: "'string'",
  pattern: /'(?:[^']|'')*'/,
  line_breaks: true,
  categories: [Sconst, QueryToken],
});
export const EscapeString = createToken({
  name: 'EscapeString',
  label: "e'string'",
  pattern: /[eE]'(?:[^'\\]|\\[\s\S]|'')*'/,
  line_breaks: true,
  categories: [Sconst, QueryToken],
});
export const DollarString = createToken({
  name: 'DollarString',
  label: '$$string$$',
  pattern: { exec: matchDollarString },
  line_breaks: true,
  start_chars_hint: ['$'],
  categories: [Sconst, QueryToken],
});
export const ByteString = createToken({
  name: 'ByteString',
  pattern: /[bBxX]'(?:[^'\\]|\\[\s\S]|'')*'/,
  line_breaks: true,
  categories: [QueryToken],
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /[eEbBxX]?'[\s\S]*/,
  line_breaks: true,
  categories: [LexicalError],
});
export const UnterminatedDollar = createToken({
  name: 'UnterminatedDollar',
  pattern: { exec: matchUnterminatedDollar },
  line_breaks: true,
  start_chars_hint: ['$'],
  categories: [LexicalError],
});
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  label: '"identifier"',
  pattern: /"(?:[^"]|"")*"/,
  line_breaks: true,
  categories: [QueryToken],
});
export const UnterminatedIdentifier = createToken({
  name: 'UnterminatedIdentifier',
  pattern: /"[\s\S]*/,
  line_breaks: true,
  categories: [LexicalError],
});
export const Placeholder = createToken({
  name: 'Placeholder',
  label: '$n',
  pattern: /\$[0-9]+/,
  categories: [QueryToken],
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'number',
  pattern: /[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?/,
  categories: [QueryToken],
});
export const Identifier = createToken({
  name: 'Identifier',
  label: 'identifier',
  pattern: /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/,
  categories: [NonReservedWord, QueryToken],
});

export const LParen = createToken({ name: 'LParen', label: "'('", pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', label: "')'", pattern: /\)/ });
export const Comma = createToken({
  name: 'Comma',
  label: "','",
  pattern: /,/,
  categories: [QueryToken],
});
export const Equals = createToken({
  name: 'Equals',
  label: "'='",
  pattern: /=/,
  categories: [QueryToken],
});
export const Dot = createToken({
  name: 'Dot',
  label: "'.'",
  pattern: /\./,
  categories: [QueryToken],
});
export const Star = createToken({
  name: 'Star',
  label: "'*'",
  pattern: /\*/,
  categories: [QueryToken],
});
/** Operators and brackets of other SQL (only meaningful inside a job statement's query). */
export const Operator = createToken({
  name: 'Operator',
  label: 'operator',
  pattern: /[-+/<>~!@#%^&|`?:[\]{}]+/,
  categories: [QueryToken],
});
export const Semicolon = createToken({ name: 'Semicolon', label: "';'", pattern: /;/ });

const RESERVED = [
  'ALL',
  'AS',
  'CREATE',
  'FALSE',
  'FOR',
  'FROM',
  'IN',
  'INDEX',
  'INTO',
  'NOT',
  'SELECT',
  'TABLE',
  'TO',
  'TRUE',
  'WHEN',
  'WITH',
] as const;
const UNRESERVED = [
  'ADD',
  'ALTER',
  'ALWAYS',
  'AS_JSON',
  'BACKUP',
  'BACKUPS',
  'CANCEL',
  'CHECK_FILES',
  'COMPLETE',
  'CONNECTION',
  'CONNECTIONS',
  'COPY',
  'DATABASE',
  'DATABASES',
  'DEBUG_IDS',
  'DEFERRED',
  'DETACHED',
  'DROP',
  'ENCRYPTION_INFO_DIR',
  'ENCRYPTION_PASSPHRASE',
  'EXECUTION',
  'EXECUTE',
  'EXISTS',
  'EXPIRE',
  'EXPERIMENTAL',
  'EXPLAIN',
  'EXTERNAL',
  'FILES',
  'FULL',
  'IMMEDIATELY',
  'IF',
  'INCLUDE_ALL_VIRTUAL_CLUSTERS',
  'INCREMENTAL_LOCATION',
  'INTO_DB',
  'JOB',
  'JOBS',
  'KMS',
  'LABEL',
  'LATEST',
  'LOCALITY',
  'NEW_DB_NAME',
  'NEW_KMS',
  'NEVER',
  'NO_OWNER',
  'NO_PRIVILEGES',
  'OF',
  'OLD_KMS',
  'OPTIONS',
  'OPTION',
  'PAUSE',
  'PRIVILEGES',
  'RANGES',
  'REASON',
  'RECURRING',
  'REMOVE_REGIONS',
  'RESTORE',
  'RESUME',
  'REVISION_HISTORY',
  'SCHEDULE',
  'SCHEDULES',
  'SCHEMAS',
  'SCHEMA_ONLY',
  'SET',
  'SHOW',
  'SIZE',
  'SKIP',
  'SKIP_LOCALITIES_CHECK',
  'SKIP_MISSING_FOREIGN_KEYS',
  'SKIP_MISSING_SEQUENCES',
  'SKIP_MISSING_SEQUENCE_OWNERS',
  'SKIP_MISSING_UDFS',
  'SKIP_MISSING_VIEWS',
  'SKIP_ROLLBACK_CHECK',
  'STORAGE',
  'STRICT',
  'SYSTEM',
  'TABLES',
  'TIME',
  'UNSAFE_RESTORE_INCOMPATIBLE_VERSION',
  'UPDATES_CLUSTER_MONITORING_METRICS',
  'VERIFY_BACKUP_TABLE_DATA',
] as const;

export type KeywordName = (typeof RESERVED)[number] | (typeof UNRESERVED)[number];

function keyword(name: KeywordName, reserved: boolean): TokenType {
  return createToken({
    name,
    pattern: new RegExp(name.toLowerCase(), 'i'),
    longer_alt: Identifier,
    categories: reserved ? [Keyword, QueryToken] : [Keyword, NonReservedWord, QueryToken],
  });
}

/** Keyword token types by their upper-case spelling. */
export const KW = Object.fromEntries([
  ...RESERVED.map((k) => [k, keyword(k, true)] as const),
  ...UNRESERVED.map((k) => [k, keyword(k, false)] as const),
]) as Record<KeywordName, TokenType>;

/** Lower-case spellings of every keyword; the formatter quotes identifiers that collide with one. */
export const KEYWORD_WORDS: ReadonlySet<string> = new Set(Object.keys(KW).map((k) => k.toLowerCase()));

/**
 * CockroachDB's reserved keywords (sql.y `reserved_keyword`) that are not tokens here: a bare one cannot
 * be a name or a bare-word string (`BACKUP DATABASE select …` is an error, `"select"` is fine), and the
 * formatter quotes names that collide with one.
 */
export const SQL_RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    'all analyse analyze and any array asc asymmetric both case cast check collate column concurrently constraint ' +
    'create current_catalog current_date current_role current_schema current_time current_timestamp current_user ' +
    'default deferrable desc distinct do else end except fetch for foreign grant group having index initially ' +
    'intersect lateral leading limit localtime localtimestamp not nothing null offset on only or order placing ' +
    'primary references returning select session_user some symmetric then trailing union unique user using ' +
    'variadic when where window'
  ).split(' '),
);

const keywordsLongestFirst = Object.values(KW).sort((a, b) => b.name.length - a.name.length);

/** Order matters: the first pattern that matches wins (prefix forms like `e'` before identifiers). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  EscapeString,
  ByteString,
  UnterminatedString,
  Placeholder,
  DollarString,
  UnterminatedDollar,
  QuotedIdentifier,
  UnterminatedIdentifier,
  NumberLiteral,
  ...keywordsLongestFirst,
  Identifier,
  LParen,
  RParen,
  Comma,
  Equals,
  Dot,
  Star,
  Operator,
  Semicolon,
  Keyword,
  NonReservedWord,
  Sconst,
  QueryToken,
  LexicalError,
];

/**
 * A lexer for `allTokens`. `validate` runs Chevrotain's checks of the token definitions, about 10 ms that
 * every CLI start would pay: the lexer statements use skips them, grammar.test.ts runs them.
 */
export function newSqlLexer(validate: boolean): InstanceType<typeof Lexer> {
  return new Lexer(allTokens, {
    ensureOptimizations: false,
    positionTracking: 'full',
    skipValidations: !validate,
  });
}

export const sqlLexer = newSqlLexer(false);
