// ResultSet values on the wire: column type names → type OIDs, and each value in text format (what
// psql prints) or binary format (when a driver asks for it in Bind). Parameters arrive as text (OID 25);
// binary parameters are decoded for the few scalar types drivers send that way.
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

export function encodeText(v: ResultValue): Buffer | null {
  if (v === null) return null;
  if (typeof v === 'string') return Buffer.from(v);
  if (typeof v === 'boolean') return Buffer.from(v ? 't' : 'f');
  if (typeof v === 'number') return Buffer.from(floatText(v));
  if (typeof v === 'bigint') return Buffer.from(v.toString());
  if (v instanceof Date) return Buffer.from(timestampText(v));
  return Buffer.from(`\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`);
}

function bytesOf(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function encodeBinary(v: ResultValue, type: string): Buffer | null {
  if (v === null) return null;
  try {
    switch (wireType(type).oid) {
      case 16:
        return Buffer.from([v === true || v === 't' || v === 1 || v === 1n ? 1 : 0]);
      case 17:
        return v instanceof Uint8Array ? bytesOf(v) : Buffer.from(String(v));
      case 20: {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(BigInt(typeof v === 'number' ? Math.trunc(v) : (v as bigint | string)));
        return b;
      }
      case 701: {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(Number(v));
        return b;
      }
      case 1184: {
        const d = v instanceof Date ? v : new Date(String(v));
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(BigInt(d.getTime() - PG_EPOCH_MS) * 1000n);
        return b;
      }
      case 3802:
        return Buffer.concat([Buffer.from([1]), encodeText(v) as Buffer]);
      default:
        return encodeText(v) as Buffer;
    }
  } catch (err) {
    throw new StrongroomError('UNSUPPORTED_VALUE', `a ${type} value cannot be sent in binary format`, {
      cause: err,
    });
  }
}

/** A Bind parameter as the text strongroom binds into statements. */
export function decodeParam(
  raw: Buffer | null,
  format: number,
  typeOid: number,
  index: number,
): string | null {
  if (raw === null) return null;
  if (format === 0) return raw.toString('utf8');
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
      return raw[0] ? 'true' : 'false';
    case 21:
      return String(raw.readInt16BE(0));
    case 23:
      return String(raw.readInt32BE(0));
    case 20:
      return raw.readBigInt64BE(0).toString();
    case 700:
      return String(raw.readFloatBE(0));
    case 701:
      return String(raw.readDoubleBE(0));
    default:
      throw new StrongroomError(
        'UNSUPPORTED_VALUE',
        `binary format for parameter $${index} of type ${typeOid} is not supported; send it as text`,
      );
  }
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
