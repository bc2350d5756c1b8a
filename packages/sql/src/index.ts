// @strongroom/sql: the statement language. Parsing (with CockroachDB's lexical rules and error wording),
// canonical formatting with redaction, placeholders, script splitting, ownership, completion and the
// diagnostics `strongroom check` prints.

// URIs are redacted by the uri package's one redactUri; re-exported for the CLI.
export { redactUri, SECRET_URI_PARAMS } from '@strongroom/uri';
export type * from './ast.js';
export { complete } from './complete.js';
export { checkScript, formatDiagnostic } from './diagnostics.js';
export { type FormatOptions, format, quoteString } from './format.js';
export { bindParameters, placeholderCount, placeholderTypes } from './parameters.js';
export { parseStatement } from './parse-statement.js';
export { type RedactedText, redactSqlText, SECRET_MASK } from './redact-text.js';
export { type RedactionMarker, redactionMarkers, uriHasMarker, withPassphrase } from './redaction-markers.js';
export { showJobsSources } from './scan.js';
export {
  endsStatement,
  isOwned,
  parseScript,
  parseScriptOrThrow,
  type SqlDiagnostic,
  splitStatements,
} from './script.js';
