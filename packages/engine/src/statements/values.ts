// Evaluates the operands of a bound statement (placeholders already replaced by bindParameters).
import { StrongroomError } from '@strongroom/errors';
import type { BoolValue, IntValue, StringValue, TimeExpr } from '@strongroom/sql';
import type { KeyOptions } from '../collection/encryption.js';

export function str(v: StringValue): string {
  if (v.kind === 'placeholder')
    throw new StrongroomError('MISSING_PARAMETER', `no value provided for placeholder: $${v.index}`);
  return v.value;
}

export function strs(vs: readonly StringValue[] | undefined): string[] {
  return (vs ?? []).map(str);
}

/**
 * The keys a statement names (`kms = …`, `encryption_passphrase = …`): the one place BACKUP, RESTORE and
 * SHOW BACKUP turn their options into the key options that wrap or unwrap a chain's data key.
 */
export function keyOptionsOf(o: {
  readonly kms?: readonly StringValue[];
  readonly encryptionPassphrase?: StringValue;
}): KeyOptions {
  return {
    kms: strs(o.kms),
    passphrase: o.encryptionPassphrase === undefined ? undefined : str(o.encryptionPassphrase),
  };
}

export function bool(v: BoolValue | undefined): boolean {
  if (v === undefined) return false;
  if (v.kind === 'placeholder')
    throw new StrongroomError('MISSING_PARAMETER', `no value provided for placeholder: $${v.index}`);
  return v.value;
}

export function int(v: IntValue): bigint {
  if (v.kind === 'placeholder')
    throw new StrongroomError('MISSING_PARAMETER', `no value provided for placeholder: $${v.index}`);
  return v.value;
}

const UNITS: Record<string, number> = {
  us: 1e-3,
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};

/** `AS OF SYSTEM TIME` → a wall-clock time: '-10s', '-1h30m', a timestamp, decimal nanoseconds, follower_read_timestamp(). */
export function evalTime(e: TimeExpr, now = new Date()): Date {
  switch (e.kind) {
    case 'placeholder':
      throw new StrongroomError('MISSING_PARAMETER', `no value provided for placeholder: $${e.index}`);
    case 'call':
      if (e.name.toLowerCase() === 'follower_read_timestamp') return new Date(now.getTime() - 4800);
      throw new StrongroomError('INVALID_TIME', `unknown function in AS OF SYSTEM TIME: ${e.name}()`);
    case 'number':
      return fromNanos(e.text);
    case 'string':
      return timeOfString(e.value.trim(), now);
  }
}

/** '-10s', '-1h30m' (before `now`), decimal nanoseconds, or a timestamp (UTC unless it has a zone). */
function timeOfString(s: string, now: Date): Date {
  const rel = /^-((?:\d+(?:\.\d+)?(?:us|ms|sec|min|hour|day|s|m|h|d))+)$/.exec(s);
  if (rel?.[1]) return new Date(now.getTime() - durationMs(rel[1]));
  if (/^\d+(\.\d+)?$/.test(s)) return fromNanos(s);
  const withZone = /[zZ]|[+-]\d{2}(:?\d{2})?$/.test(s) ? s : `${s}Z`;
  const d = new Date(withZone.replace(' ', 'T'));
  if (Number.isNaN(d.getTime()))
    throw new StrongroomError('INVALID_TIME', `AS OF SYSTEM TIME: cannot parse '${s}' as a timestamp`);
  return d;
}

/** `1h30m` → milliseconds. */
function durationMs(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(us|ms|sec|min|hour|day|s|m|h|d)/g))
    ms += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
  return ms;
}

function fromNanos(text: string): Date {
  const whole = text.split('.')[0] ?? '0';
  return new Date(Number(BigInt(whole) / 1_000_000n));
}
