// The state store's pieces, for tools and tests that work on job records directly.
export { type JobRecord, JobsStore } from './jobs/jobs-store.js';
export { defaultHome, openEngine } from './open-engine.js';
export { PostgresBackend, type SqlBackend, SqliteBackend } from './state/sql-backend.js';
export { describeStatement } from './statements/describe.js';
export { checkStatement } from './statements/statement-check.js';
export type * from './types.js';
