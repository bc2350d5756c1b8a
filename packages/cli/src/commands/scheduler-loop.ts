// The daemon loops of `strongroom serve`: one engine of its own, registered as a daemon node, that makes a
// scheduler pass every interval (see engine's schedules/scheduler.ts) and a jobs pass every
// `STRONGROOM_JOB_POLL_MS` (default 1000): it runs the detached jobs clients submitted to the state store
// and adopts those whose node died (lease expired; `STRONGROOM_JOB_LEASE_MS`, default 30000). Its clock is Date.now, or — for tests only — the epoch
// milliseconds held in the file STRONGROOM_TEST_CLOCK_FILE names (then each pass is logged), so a test can
// move time forward for real daemon processes without waiting.
import { readFileSync } from 'node:fs';
import type { Engine, EngineOptions } from '@strongroom/engine';

export interface SchedulerLoop {
  /** Stops after the current pass; the jobs it started keep running until the engine is closed. */
  stop(): Promise<void>;
}

export const DEFAULT_SCHEDULE_INTERVAL_MS = 15_000;

function jobPollMs(env: Readonly<Record<string, string | undefined>>): number {
  const v = Number(env.STRONGROOM_JOB_POLL_MS);
  return Number.isFinite(v) && v >= 20 ? v : 1000;
}

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
  run: { readonly schedules: boolean } = { schedules: true },
): Promise<SchedulerLoop> {
  const clock = schedulerClock(options.env ?? {});
  const engine = await openEngine({ ...options, now: clock.now, daemon: true });
  engine.log = log;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let jobsTimer: NodeJS.Timeout | undefined;
  let wakeJobs: (() => void) | undefined;
  const pollMs = jobPollMs(options.env ?? {});
  const jobsLoop = (async () => {
    while (!stopped) {
      try {
        await engine.runClaimableJobs?.();
      } catch (err) {
        log(`jobs pass failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise<void>((r) => {
        wakeJobs = r;
        jobsTimer = setTimeout(r, pollMs);
      });
    }
  })();
  const loop = (async () => {
    while (!stopped && run.schedules) {
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
      if (jobsTimer) clearTimeout(jobsTimer);
      wake?.();
      wakeJobs?.();
      await loop;
      await jobsLoop;
      await engine.close();
    },
  };
}
