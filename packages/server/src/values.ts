// ResultSet values on the wire: column type names → type OIDs, and each value in text format (what
// psql prints) or binary format (when a driver asks for it in Bind). Parameters are decoded by their
// described type into the value kind they stand for (bigint, number, boolean, bytes, text), in text or
// binary format, so a forwarded statement gets an integer as an integer, not as its digits.
import { StrongroomError } from '@strongroom/errors';
import type { ResultValue } from '@strongroom/sources';

export interface WireType {
  readonly oid: number;
  readonly size: number;
}

const TYPES: Readonly<Record<string, WireType>> = {
  bool: { oid: 16, size: 1 },
  bytea: { oid: 17, size: -1 },
  int8: { oid: 20, size: 8 },
  int2: { oid: 21, size: 2 },
  int4: { oid: 23, size: 4 },
  text: { oid: 25, size: -1 },
  json: { oid: 114, size: -1 },
  float4: { oid: 700, size: 4 },
  float8: { oid: 701, size: 8 },
  varchar: { oid: 1043, size: -1 },
  date: { oid: 1082, size: 4 },
  timestamp: { oid: 1114, size: 8 },
  timestamptz: { oid: 1184, size: 8 },
  numeric: { oid: 1700, size: -1 },
  jsonb: { oid: 3802, size: -1 },
};

export const TEXT_OID = 25;

const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', 'on', '1']);

/** The wire type of a ResultSet column type name; anything unknown is sent as text. */
export function wireType(type: string): WireType {
  return TYPES[type.toLowerCase()] ?? (TYPES.text as WireType);
}

const PG_EPOCH_MS = 946_684_800_000;

function timestampText(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.?0*Z$/, '+00');
}

function floatText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(n);
}

/** A timestamp in PostgreSQL's text form, from a Date or the ISO text SQLite keeps. */
function timestampFromValue(v: ResultValue, type: string): string | undefined {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) return undefined;
  const text = timestampText(d);
  return type === 'timestamp' ? text.replace(/\+00$/, '') : text;
}

function isTrue(v: ResultValue): boolean {
  if (typeof v === 'string') return TRUE_TEXT.has(v.trim().toLowerCase());
  return v === true || v === 1 || v === 1n;
}

/** The text of a value as its column type wants it: booleans as t/f, timestamps in PostgreSQL's form. */
function typedText(v: Exclude<ResultValue, null>, oid: number, type: string): string | undefined {
  if (oid === 16 && (typeof v === 'bigint' || typeof v === 'number')) return v ? 't' : 'f';
  if (oid === 16 && typeof v === 'string') return isTrue(v) ? 't' : 'f';
  if ((oid === 1184 || oid === 1114) && (typeof v === 'string' || v instanceof Date)) {
    return timestampFromValue(v, type);
  }
  return undefined;
}

function plainText(v: Exclude<ResultValue, null>): Buffer {
  if (typeof v === 'string') return Buffer.from(v);
  if (typeof v === 'boolean') return Buffer.from(v ? 't' : 'f');
  if (typeof v === 'number') return Buffer.from(floatText(v));
  if (typeof v === 'bigint') return Buffer.from(v.toString());
  if (v instanceof Date) return Buffer.from(timestampText(v));
  return Buffer.from(`\\x${bytesOf(v).toString('hex')}`);
}

export function encodeText(v: ResultValue, type = 'text'): Buffer | null {
  if (v === null) return null;
  const typed = typedText(v, wireType(type).oid, type);
  return typed === undefined ? plainText(v) : Buffer.from(typed);
}

function bytesOf(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

/** Microseconds since 2000-01-01, as timestamp and timestamptz are sent. */
function timestampBinary(v: Exclude<ResultValue, null>): Buffer {
  const d = v instanceof Date ? v : new Date(String(v));
  return int64(BigInt(d.getTime() - PG_EPOCH_MS) * 1000n);
}

/** Binary encoders by type OID; other types are sent as their text. */
const BINARY: ReadonlyMap<number, (v: Exclude<ResultValue, null>) => Buffer> = new Map([
  [16, (v) => Buffer.from([isTrue(v) ? 1 : 0])],
  [17, (v) => (v instanceof Uint8Array ? bytesOf(v) : Buffer.from(String(v)))],
  [20, (v) => int64(BigInt(typeof v === 'number' ? Math.trunc(v) : (v as bigint | string)))],
  [
    701,
    (v) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(v));
      return b;
    },
  ],
  [1184, timestampBinary],
  [1114, timestampBinary],
  [
    1082,
    (v) => {
      const d = v instanceof Date ? v : new Date(`${String(v).slice(0, 10)}T00:00:00Z`);
      const b = Buffer.alloc(4);
      b.writeInt32BE(Math.round((d.getTime() - PG_EPOCH_MS) / 86_400_000));
      return b;
    },
  ],
  [3802, (v) => Buffer.concat([Buffer.from([1]), encodeText(v) as Buffer])],
]);

export function encodeBinary(v: ResultValue, type: string): Buffer | null {
  if (v === null) return null;
  try {
    const encode = BINARY.get(wireType(type).oid);
    return encode === undefined ? (encodeText(v) as Buffer) : encode(v);
  } catch (err) {
    throw new StrongroomError('UNSUPPORTED_VALUE', `a ${type} value cannot be sent in binary format`, {
      cause: err,
    });
  }
}

/** The OID a parameter is described with, from a SQL type name (unknown and null: text). */
export function paramOid(type: string | null): number {
  return type === null ? TEXT_OID : wireType(type).oid;
}

function bytesFromText(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  // The escape format: \\ and \ooo octal, everything else as is.
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      if (text[i + 1] === '\\') {
        out.push(92);
        i++;
      } else {
        out.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else out.push(...Buffer.from(text[i]!));
  }
  return Buffer.from(out);
}

/**
 * A Bind parameter as the value it stands for, by its type: integers as bigint, floats as number, bool
 * as boolean, bytea as bytes, timestamps as PostgreSQL text (binary ones converted), anything else text.
 */
export function decodeParam(raw: Buffer | null, format: number, typeOid: number, index: number): unknown {
  if (raw === null) return null;
  try {
    if (format === 0) {
      const text = raw.toString('utf8');
      switch (typeOid) {
        case 20:
        case 21:
        case 23:
          return BigInt(text.trim());
        case 700:
        case 701:
          return Number(text);
        case 16:
          return TRUE_TEXT.has(text.trim().toLowerCase());
        case 17:
          return bytesFromText(text);
        default:
          return text;
      }
    }
    switch (typeOid) {
      case 0:
      case 25:
      case 1043:
      case 19:
      case 114:
        return raw.toString('utf8');
      case 3802:
        return raw.subarray(1).toString('utf8');
      case 16:
        return raw[0] !== 0;
      case 17:
        return Buffer.from(raw);
      case 21:
        return BigInt(raw.readInt16BE(0));
      case 23:
        return BigInt(raw.readInt32BE(0));
      case 20:
        return raw.readBigInt64BE(0);
      case 700:
        return raw.readFloatBE(0);
      case 701:
        return raw.readDoubleBE(0);
      case 1114:
      case 1184: {
        const ms = Number(raw.readBigInt64BE(0) / 1000n) + PG_EPOCH_MS;
        const text = timestampText(new Date(ms));
        return typeOid === 1114 ? text.replace(/\+00$/, '') : text;
      }
      case 1082:
        return new Date(raw.readInt32BE(0) * 86_400_000 + PG_EPOCH_MS).toISOString().slice(0, 10);
    }
  } catch (err) {
    throw new StrongroomError('INVALID_PARAMETER', `parameter $${index} is not a valid value of its type`, {
      cause: err,
    });
  }
  throw new StrongroomError(
    'UNSUPPORTED_VALUE',
    `binary format for parameter $${index} of type ${typeOid} is not supported; send it as text`,
  );
}

/** The highest `$n` in a statement forwarded verbatim, skipping quoted text and comments. */
export function forwardedParamCount(sql: string): number {
  const bare = sql.replace(
    /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g,
    ' ',
  );
  let max = 0;
  for (const m of bare.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}
