// Placeholders (`$1`, `$2`, …): counting them and binding values (the wire protocol's Bind, the CLI's
// -v). Values arrive as text; booleans and job ids are converted by the slot's type. Error messages
// name the placeholder, never its value (it may be a secret).
import { StrongroomError } from '@strongroom/errors';
import type { Statement } from './ast.js';

interface PlaceholderNode {
  readonly kind: 'placeholder';
  readonly index: number;
}

const BOOL_SLOTS = new Set(['revisionHistory', 'detached']);
const TRUE_WORDS = new Set(['true', 't', 'on', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'off', 'no', '0']);

/** Rebuilds `x`, replacing every placeholder node by `f(node, key of the slot it sits in)`. */
function mapPlaceholders(x: unknown, key: string, f: (p: PlaceholderNode, key: string) => unknown): unknown {
  if (Array.isArray(x)) return x.map((e) => mapPlaceholders(e, key, f));
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o.kind === 'placeholder') return f(o as unknown as PlaceholderNode, key);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, mapPlaceholders(v, k, f)]));
  }
  return x;
}

export function placeholderCount(ast: Statement): number {
  let max = 0;
  mapPlaceholders(ast, '', (p) => {
    max = Math.max(max, p.index);
    return p;
  });
  return max;
}

/**
 * The type of each placeholder by its slot in the grammar (index n-1 for `$n`): `bool` for boolean
 * options, `int8` for job ids, `text` for everything else (URIs, passphrases, times, names).
 */
export function placeholderTypes(ast: Statement): ('text' | 'bool' | 'int8')[] {
  const types: ('text' | 'bool' | 'int8')[] = Array.from({ length: placeholderCount(ast) }, () => 'text');
  mapPlaceholders(ast, '', (p, key) => {
    types[p.index - 1] = BOOL_SLOTS.has(key) ? 'bool' : key === 'jobId' ? 'int8' : 'text';
    return p;
  });
  return types;
}

function bindOne(p: PlaceholderNode, key: string, params: readonly (string | null)[]): unknown {
  if (p.index > params.length) {
    throw new StrongroomError('MISSING_PARAMETER', `no value given for placeholder $${p.index}`);
  }
  const value = params[p.index - 1];
  if (value === null || value === undefined) {
    throw new StrongroomError('INVALID_PARAMETER', `placeholder $${p.index} must not be NULL`);
  }
  if (BOOL_SLOTS.has(key)) {
    const w = value.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return { kind: 'bool', value: true };
    if (FALSE_WORDS.has(w)) return { kind: 'bool', value: false };
    throw new StrongroomError('INVALID_PARAMETER', `placeholder $${p.index} must be a boolean`);
  }
  if (key === 'jobId' || key === 'scheduleId') {
    if (!/^\s*[0-9]+\s*$/.test(value)) {
      throw new StrongroomError('INVALID_PARAMETER', `placeholder $${p.index} must be an integer job ID`);
    }
    return { kind: 'int', value: BigInt(value.trim()) };
  }
  return { kind: 'string', value };
}

export function bindParameters(ast: Statement, params: readonly (string | null)[]): Statement {
  return mapPlaceholders(ast, '', (p, key) => bindOne(p, key, params)) as Statement;
}
