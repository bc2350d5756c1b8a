// Crontab expressions through croner (no dependencies; Node 18+), always evaluated in UTC so that two hosts
// and a restart agree on every occurrence.
import { StrongroomError } from '@strongroom/errors';
import { Cron } from 'croner';

function cron(expr: string): Cron {
  try {
    return new Cron(expr, { paused: true, timezone: 'UTC', legacyMode: true });
  } catch (err) {
    throw new StrongroomError(
      'INVALID_OPTION',
      `invalid crontab ${JSON.stringify(expr)}: ${(err as Error).message}`,
    );
  }
}

/** Throws INVALID_OPTION when `expr` is not a crontab (or `@daily`, `@hourly`, …). */
export function checkCron(expr: string): void {
  cron(expr);
}

/** The first occurrence strictly after `after` (epoch ms). */
export function nextOccurrence(expr: string, after: number): number {
  const next = cron(expr).nextRun(new Date(after));
  if (next === null)
    throw new StrongroomError('INVALID_OPTION', `crontab ${JSON.stringify(expr)} never fires`);
  return next.getTime();
}

/** The time between two consecutive occurrences after `from` (to pick the default full-backup cadence). */
export function period(expr: string, from: number): number {
  const a = nextOccurrence(expr, from);
  return nextOccurrence(expr, a) - a;
}
