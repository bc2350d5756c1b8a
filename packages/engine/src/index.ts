export { defaultHome, openEngine } from './open-engine.js';
export { describeStatement } from './statements/describe.js';
export { checkStatement } from './statements/statement-check.js';
export type * from './types.js';
