// Names of everything in a backup collection (FORMAT.md; CockroachDB's names where they fit).
// Paths are relative to a collection root, '/'-separated, without a leading slash.

export const MANIFEST = 'BACKUP_MANIFEST';
export const MANIFEST_CHECKSUM = 'BACKUP_MANIFEST-CHECKSUM';
export const ENCRYPTION_INFO = 'ENCRYPTION-INFO';
export const LATEST_DIR = 'metadata/latest/';
export const INCREMENTALS = 'incrementals';
/** Prefix of a chain's layer records, kept in the full backup's directory (see chainRecordName). */
export const CHAIN_RECORD = 'CHAIN-';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2026/11/22-101500.00` — a full backup's directory, from its end time (UTC, centiseconds truncated). */
export function fullSubdir(end: Date): string {
  return `${end.getUTCFullYear()}/${pad(end.getUTCMonth() + 1)}/${pad(end.getUTCDate())}-${hms(end)}`;
}

function hms(t: Date): string {
  const cs = Math.floor(t.getUTCMilliseconds() / 10);
  return `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}.${pad(cs)}`;
}

function ymd(t: Date): string {
  return `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`;
}

/** `incrementals/<full>/<YYYYMMDD>/<HHMMSS.cc>-<YYYYMMDD-HHMMSS.cc of start>` (CockroachDB ≥ v25.2 naming). */
export function incrementalDir(full: string, start: Date, end: Date): string {
  return `${INCREMENTALS}/${full}/${ymd(end)}/${hms(end)}-${ymd(start)}-${hms(start)}`;
}

const FULL_RE = /^\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}$/;
const INC_RE = /^\d{8}\/\d{6}\.\d{2}(-\d{8}-\d{6}\.\d{2})?$/;

/** Normalises a user-given full subdirectory (`/2026/11/22-101500.00` or without the slash); undefined if malformed. */
export function normaliseFullSubdir(s: string): string | undefined {
  const t = s.replace(/^\/+/, '').replace(/\/+$/, '');
  return FULL_RE.test(t) ? t : undefined;
}

export function isIncrementalName(rel: string): boolean {
  return INC_RE.test(rel);
}

/**
 * `LATEST-<hex>` where hex sorts newest first: the complement of the zero-padded end time in ms, so a
 * lexicographic listing of metadata/latest/ starts with the newest full backup (write-once markers).
 */
export function latestMarkerName(end: Date): string {
  const inv = (2n ** 52n - BigInt(end.getTime())).toString(16).padStart(13, '0');
  return `${LATEST_DIR}LATEST-${inv}`;
}

/** `ENCRYPTION-INFO`, then `ENCRYPTION-INFO-2`, `-3`, … (CockroachDB's names; older collections' `-0002` still read). */
export function encryptionInfoName(n: number): string {
  return n <= 1 ? ENCRYPTION_INFO : `${ENCRYPTION_INFO}-${n}`;
}

/** `BACKUP_PART_<n>_<locality with bytes outside [A-Za-z0-9=-] as _>` (CockroachDB's naming). */
export function partitionDescriptorName(n: number, locality: string): string {
  return `BACKUP_PART_${n}_${locality.replace(/[^A-Za-z0-9=-]/g, '_')}`;
}

export function dataFileName(layer: string, n: number): string {
  return `${layer}/data/${pad(n, 6)}.rows`;
}

/**
 * `<full>/CHAIN-000002`: the sealed record of a chain's second layer (the full is layer 1), written into the
 * full backup's directory once that layer completed. A layer removed with its whole directory still leaves
 * its record behind, so the removal is detected.
 */
export function chainRecordName(fullDir: string, seq: number): string {
  return `${fullDir}/${CHAIN_RECORD}${pad(seq, 6)}`;
}

/** The end time a LATEST marker's name encodes (its inverse of latestMarkerName); undefined if malformed. */
export function latestMarkerTime(name: string): Date | undefined {
  const m = /LATEST-([0-9a-f]{13})$/.exec(name);
  if (!m) return undefined;
  const ms = 2n ** 52n - BigInt(`0x${m[1]}`);
  return ms > 0n && ms < 2n ** 52n ? new Date(Number(ms)) : undefined;
}
