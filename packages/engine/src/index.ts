export type * from './types.js';
export { openEngine, defaultHome } from './open-engine.js';
