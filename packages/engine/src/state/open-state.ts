// Opens the state store a node uses: the embedded SQLite default (`<home>/jobs.db` for jobs, `<home>/state.db`
// for connections and schedules, one host) or one PostgreSQL database for all of it (`--state postgres://…`
// or `$STRONGROOM_STATE`), which several `strongroom serve` nodes on different machines share.
import { join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import { redactUri } from '@strongroom/sql';
import { JobsStore } from '../jobs/jobs-store.js';
import { PostgresBackend, SqliteBackend } from './sql-backend.js';
import { StateStore } from './state-store.js';

export interface OpenedState {
  readonly jobs: JobsStore;
  readonly state: StateStore;
  /** Where the state lives, secret-free (shown in logs and notices). */
  readonly where: string;
}

/** The state store URI: the option, else `$STRONGROOM_STATE`, else undefined (the embedded default). */
export function stateUri(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const v = option ?? env.STRONGROOM_STATE;
  return v === undefined || v === '' ? undefined : v;
}

export async function openState(
  home: string,
  uri: string | undefined,
  source: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<OpenedState> {
  if (uri === undefined) {
    const jobs = await JobsStore.open(new SqliteBackend(join(home, 'jobs.db')), source, env);
    const state = await closingOnFailure(jobs, () =>
      StateStore.open(new SqliteBackend(join(home, 'state.db'), { private: true })),
    );
    return { jobs, state, where: home };
  }
  if (!/^postgres(ql)?:\/\//i.test(uri))
    throw new StrongroomError(
      'INVALID_URI',
      `the state store must be a postgres:// or postgresql:// URI, got ${JSON.stringify(redactUri(uri))}`,
      { hint: 'leave --state out for the embedded SQLite store in the home directory' },
    );
  const where = redactUri(uri);
  // Jobs and state share one database; each store gets its own pool, so a long transaction of one never
  // holds up the other.
  const jobs = await JobsStore.open(await PostgresBackend.open(uri, where), source, env);
  const state = await closingOnFailure(jobs, async () =>
    StateStore.open(await PostgresBackend.open(uri, where)),
  );
  return { jobs, state, where };
}

/** `open()`, closing `jobs` (its pool, its node row) when that fails. */
async function closingOnFailure<T>(jobs: JobsStore, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    await jobs.close().catch(() => undefined);
    throw err;
  }
}
