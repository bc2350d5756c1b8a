// Messages between a sqlite source and its session host process (session-host.ts), sent over the
// child-process channel with structured-clone serialization (bigint, Uint8Array and Date survive).
import type { ResultSet, ResultValue } from '../types.js';
import type { ColumnDescription } from './driver.js';
import type { SqliteLocation } from './location.js';

export type HostRequest =
  | { readonly op: 'open'; readonly location: SqliteLocation }
  | {
      readonly op: 'execute';
      readonly id: number;
      readonly sql: string;
      readonly params: readonly unknown[];
      /** Rows per batch; the host sends the next batch only after a `more`. */
      readonly batchRows: number;
    }
  | { readonly op: 'more'; readonly id: number }
  /** The consumer wants no more rows of this statement. */
  | { readonly op: 'stop'; readonly id: number }
  | { readonly op: 'describe'; readonly id: number; readonly sql: string };

export interface HostError {
  readonly code: string;
  readonly message: string;
  readonly sqlstate?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly offset?: number;
}

export type HostReply =
  | { readonly id: number; readonly type: 'result'; readonly result: ResultSet }
  | { readonly id: number; readonly type: 'columns'; readonly columns: readonly ColumnDescription[] }
  | { readonly id: number; readonly type: 'rows'; readonly rows: readonly ResultValue[][] }
  | { readonly id: number; readonly type: 'end'; readonly tag: string }
  | {
      readonly id: number;
      readonly type: 'described';
      readonly columns: readonly ColumnDescription[];
      readonly reader: boolean;
      /** Per `$n` (1-based, index n-1): the declared type of the column it is compared with or stored in. */
      readonly paramTypes: readonly (string | null)[];
    }
  | { readonly id: number; readonly type: 'error'; readonly error: HostError };
