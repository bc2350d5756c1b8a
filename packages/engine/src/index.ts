export { describeStatement } from './describe.js';
export { defaultHome, openEngine } from './open-engine.js';
export { checkStatement } from './statement-check.js';
export type * from './types.js';
