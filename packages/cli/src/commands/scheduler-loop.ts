// The scheduler of `strongroom serve`: one engine of its own that makes a scheduler pass every interval
// (see engine's schedules/scheduler.ts). Its clock is Date.now, or — for tests only — the epoch
// milliseconds held in the file STRONGROOM_TEST_CLOCK_FILE names (then each pass is logged), so a test can
// move time forward for real daemon processes without waiting.
import { readFileSync } from 'node:fs';
import type { Engine, EngineOptions } from '@strongroom/engine';

export interface SchedulerLoop {
  /** Stops after the current pass; the jobs it started keep running until the engine is closed. */
  stop(): Promise<void>;
}

export const DEFAULT_SCHEDULE_INTERVAL_MS = 15_000;

export function schedulerClock(env: Readonly<Record<string, string | undefined>>): {
  now: () => number;
  test: boolean;
} {
  const file = env.STRONGROOM_TEST_CLOCK_FILE;
  if (file === undefined || file === '') return { now: Date.now, test: false };
  return { now: () => Number(readFileSync(file, 'utf8').trim()), test: true };
}

export async function startSchedulerLoop(
  openEngine: (o: EngineOptions) => Promise<Engine>,
  options: EngineOptions,
  intervalMs: number,
  log: (line: string) => void,
): Promise<SchedulerLoop> {
  const clock = schedulerClock(options.env ?? {});
  const engine = await openEngine({ ...options, now: clock.now });
  engine.log = log;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const now = clock.now();
      try {
        await engine.runDueSchedules?.(now);
        if (clock.test) log(`scheduler pass at ${now}`);
      } catch (err) {
        log(`scheduler pass failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise<void>((r) => {
        wake = r;
        timer = setTimeout(r, intervalMs);
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
      await engine.close();
    },
  };
}
