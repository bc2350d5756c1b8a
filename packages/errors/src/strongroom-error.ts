// One error class for the whole project. Code, fault and retryable come from the catalogue, so callers
// check `err.code` (a string), never `instanceof` across packages. Messages never contain secrets:
// whoever builds one passes redacted URIs only.
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

export interface SourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export interface StrongroomErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
  readonly detail?: string;
  readonly position?: SourcePosition;
  readonly retryable?: boolean;
  /**
   * A more precise SQLSTATE than the code's own (a source error that PostgreSQL would report as a
   * unique violation, say); defaults to the catalogue's.
   */
  readonly sqlstate?: string;
}

export class StrongroomError extends Error {
  override readonly name = 'StrongroomError';
  readonly code: ErrorCode;
  readonly fault: 'user' | 'system';
  readonly retryable: boolean;
  readonly sqlstate: string;
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly detail: string | undefined;
  readonly position: SourcePosition | undefined;

  constructor(code: ErrorCode, message: string, options: StrongroomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ERROR_CATALOGUE[code];
    this.code = code;
    this.fault = spec.fault;
    this.retryable = options.retryable ?? spec.retryable;
    this.sqlstate = options.sqlstate ?? spec.sqlstate;
    this.exitCode = spec.exitCode;
    this.hint = options.hint;
    this.detail = options.detail;
    this.position = options.position;
  }
}

/** Duck-typed check that works across package copies. */
export function isStrongroomError(err: unknown, code?: ErrorCode): err is StrongroomError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  if (e.name !== 'StrongroomError' || typeof e.code !== 'string') return false;
  return code === undefined || e.code === code;
}

/** Wraps anything thrown into a StrongroomError, keeping the original as `cause`. */
export function toStrongroomError(err: unknown, code: ErrorCode = 'INTERNAL'): StrongroomError {
  if (isStrongroomError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StrongroomError(code, message, { cause: err });
}

export function assertNever(x: never, what = 'value'): never {
  throw new StrongroomError('INTERNAL', `unhandled ${what}: ${JSON.stringify(x)}`);
}
