export { ERROR_CATALOGUE, type ErrorCode, type ErrorSpec } from './catalogue.js';
export { compiledEntry } from './compiled-entry.js';
export {
  assertNever,
  isStrongroomError,
  type SourcePosition,
  StrongroomError,
  type StrongroomErrorOptions,
  toStrongroomError,
} from './strongroom-error.js';
