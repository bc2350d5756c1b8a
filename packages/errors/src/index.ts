export { ERROR_CATALOGUE, type ErrorCode, type ErrorSpec } from './catalogue.js';
export { compiledEntry } from './compiled-entry.js';
export { diskFullError, isDiskFull } from './disk-full.js';
export {
  assertNever,
  isStrongroomError,
  type SourcePosition,
  StrongroomError,
  type StrongroomErrorOptions,
  toStrongroomError,
} from './strongroom-error.js';
