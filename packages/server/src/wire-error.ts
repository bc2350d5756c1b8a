// Anything thrown while serving a statement, as ErrorResponse fields: SQLSTATE from the error catalogue,
// message, hint, detail and (for syntax errors) the 1-based position in the query text. Messages come
// from StrongroomError, which never carries secrets; foreign errors are reported without their text.
import { isStrongroomError } from '@strongroom/errors';
import { ProtocolError } from './protocol-error.js';
import type { NoticeFields } from './serializer.js';

/** A protocol-state error that ends the statement, not the session (unknown portal, duplicate name). */
export class StateError extends Error {
  override readonly name = 'StateError';
  constructor(
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
  }
}

export function wireError(err: unknown, severity: 'ERROR' | 'FATAL' = 'ERROR'): NoticeFields {
  if (isStrongroomError(err)) {
    const position = err.position === undefined ? {} : { position: err.position.offset + 1 };
    return {
      severity,
      code: err.sqlstate,
      message: err.message,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      ...(err.detail === undefined ? {} : { detail: err.detail }),
      ...position,
    };
  }
  if (err instanceof StateError) return { severity, code: err.sqlstate, message: err.message };
  if (err instanceof ProtocolError) return { severity: 'FATAL', code: err.sqlstate, message: err.message };
  return { severity, code: 'XX000', message: 'internal error' };
}

/** A statement canceled through CancelRequest, as PostgreSQL words it. */
export const CANCELED: NoticeFields = {
  severity: 'ERROR',
  code: '57014',
  message: 'canceling statement due to user request',
};
