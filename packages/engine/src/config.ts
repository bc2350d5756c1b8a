// The engine's configuration file (JSON): per-table or per-partition data domicile. A rule maps a table
// (or `db.*`) to a locality; the most specific rule wins, then the engine's own --locality.
import { readFileSync } from 'node:fs';
import { StrongroomError } from '@strongroom/errors';

export interface DomicileRule {
  readonly database?: string;
  /** Table name, or '*' for every table of the database. */
  readonly table: string;
  /** Locality tiers, e.g. 'region=eu-west'. */
  readonly locality: string;
}

export interface DomicileRules {
  readonly rules: readonly DomicileRule[];
}

export const NO_RULES: DomicileRules = { rules: [] };

export function loadConfig(path: string | undefined): DomicileRules {
  if (!path) return NO_RULES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `cannot read configuration file ${path}: ${(err as Error).message}`,
    );
  }
  const domicile = (raw as { domicile?: unknown }).domicile ?? [];
  if (!Array.isArray(domicile))
    throw new StrongroomError('INVALID_PARAMETER', `${path}: "domicile" must be a list of rules`);
  const rules = domicile.map((r: unknown, i: number): DomicileRule => {
    const o = r as Record<string, unknown>;
    const ok =
      typeof o.table === 'string' &&
      typeof o.locality === 'string' &&
      (o.database === undefined || typeof o.database === 'string') &&
      Object.keys(o).every((k) => k === 'table' || k === 'locality' || k === 'database');
    if (!ok || !/^[^=,]+=[^=,]+(,[^=,]+=[^=,]+)*$/.test(o.locality as string))
      throw new StrongroomError(
        'INVALID_PARAMETER',
        `${path}: domicile rule ${i + 1} must be {"database"?: string, "table": string, "locality": "key=value"}`,
      );
    return o as unknown as DomicileRule;
  });
  return { rules };
}

/** The locality a table's spans belong to: the most specific rule, else the engine's locality. */
export function localityOf(
  rules: DomicileRules,
  database: string,
  table: string,
  engineLocality: string,
): string {
  let best: { score: number; locality: string } | undefined;
  for (const r of rules.rules) {
    if (r.database !== undefined && r.database !== database) continue;
    if (r.table !== '*' && r.table !== table) continue;
    const score = (r.database !== undefined ? 2 : 0) + (r.table !== '*' ? 4 : 0);
    if (!best || score > best.score) best = { score, locality: r.locality };
  }
  return best?.locality ?? engineLocality;
}
