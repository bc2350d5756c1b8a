// Backend messages (server → client). Each function returns one framed message; the session batches
// them into as few socket writes as it can.
import { BufferWriter } from './buffer-writer.js';

const w = new BufferWriter();

export interface FieldDescription {
  readonly name: string;
  readonly typeOid: number;
  readonly typeSize: number;
  /** 0 text, 1 binary. */
  readonly format: number;
}

/** ErrorResponse / NoticeResponse fields; keys are the protocol's one-letter field codes' meanings. */
export interface NoticeFields {
  readonly severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'INFO' | 'WARNING';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character position in the query text. */
  readonly position?: number;
}

export const authenticationOk = (): Buffer => w.int32(0).message('R');

export const authenticationSasl = (mechanisms: readonly string[]): Buffer => {
  w.int32(10);
  for (const m of mechanisms) w.cstring(m);
  return w.byte(0).message('R');
};

export const authenticationSaslContinue = (data: string): Buffer =>
  w.int32(11).bytes(Buffer.from(data)).message('R');

export const authenticationSaslFinal = (data: string): Buffer =>
  w.int32(12).bytes(Buffer.from(data)).message('R');

export const parameterStatus = (name: string, value: string): Buffer =>
  w.cstring(name).cstring(value).message('S');

export const backendKeyData = (processId: number, secretKey: number): Buffer =>
  w.int32(processId).int32(secretKey).message('K');

export const readyForQuery = (status: 'I' | 'T' | 'E'): Buffer => w.byte(status.charCodeAt(0)).message('Z');

export const parseComplete = (): Buffer => w.message('1');
export const bindComplete = (): Buffer => w.message('2');
export const closeComplete = (): Buffer => w.message('3');
export const noData = (): Buffer => w.message('n');
export const emptyQueryResponse = (): Buffer => w.message('I');
export const portalSuspended = (): Buffer => w.message('s');

export const parameterDescription = (oids: readonly number[]): Buffer => {
  w.int16(oids.length);
  for (const o of oids) w.int32(o);
  return w.message('t');
};

export const rowDescription = (fields: readonly FieldDescription[]): Buffer => {
  w.int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name).int32(0).int16(0).int32(f.typeOid).int16(f.typeSize).int32(-1).int16(f.format);
  }
  return w.message('T');
};

export const dataRow = (values: readonly (Buffer | null)[]): Buffer => {
  w.int16(values.length);
  for (const v of values) {
    if (v === null) w.int32(-1);
    else w.int32(v.length).bytes(v);
  }
  return w.message('D');
};

export const commandComplete = (tag: string): Buffer => w.cstring(tag).message('C');

function fields(f: NoticeFields): BufferWriter {
  w.byte(0x53).cstring(f.severity); // S: localized severity
  w.byte(0x56).cstring(f.severity); // V: severity, never localized
  w.byte(0x43).cstring(f.code); // C
  w.byte(0x4d).cstring(f.message); // M
  if (f.detail !== undefined) w.byte(0x44).cstring(f.detail); // D
  if (f.hint !== undefined) w.byte(0x48).cstring(f.hint); // H
  if (f.position !== undefined) w.byte(0x50).cstring(String(f.position)); // P
  return w.byte(0);
}

export const errorResponse = (f: NoticeFields): Buffer => fields(f).message('E');
export const noticeResponse = (f: NoticeFields): Buffer => fields(f).message('N');
