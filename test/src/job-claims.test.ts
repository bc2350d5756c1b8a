// Claims and leases of the jobs store on both backends (SQLite file, PostgreSQL): several nodes racing to
// claim the same jobs win each exactly once; a lease that runs out is adopted by exactly one other node, and
// the node that lost it is fenced — its renewal fails and its writes change nothing.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobsStore, PostgresBackend, type SqlBackend, SqliteBackend } from '@strongroom/engine';
import { type PostgresCluster, pgQuery, startPostgresForTests } from '@strongroom/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';

const SOURCE = 'sqlite:///fake/source/';
const LEASE = { STRONGROOM_JOB_LEASE_MS: '300' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let cluster: PostgresCluster | undefined;
let skip: string | undefined;
beforeAll(async () => {
  ({ cluster, skip } = await startPostgresForTests());
  if (cluster) await pgQuery(cluster, 'postgres', 'CREATE DATABASE claims');
});
afterAll(async () => {
  await cluster?.stop();
});

async function nodes(open: () => Promise<SqlBackend>, n: number): Promise<JobsStore[]> {
  const out: JobsStore[] = [];
  for (let i = 0; i < n; i++) out.push(await JobsStore.open(await open(), SOURCE, LEASE));
  return out;
}

async function raceAndAdopt(stores: JobsStore[]): Promise<void> {
  const [submitter, ...racers] = stores as [JobsStore, ...JobsStore[]];
  // 20 pending jobs, every node claiming every one at once: one winner each.
  const ids: bigint[] = [];
  for (let i = 0; i < 20; i++) {
    const id = await submitter.create({
      type: 'BACKUP',
      description: `BACKUP INTO 'nodelocal://1/c${i}'`,
      userName: 'root',
      payload: `BACKUP INTO 'nodelocal://1/c${i}'`,
      status: 'pending',
    });
    ids.push(id!);
  }
  const records = await Promise.all(ids.map((id) => submitter.get(id)));
  const wins = await Promise.all(
    records.map(async (job) => (await Promise.all(racers.map((s) => s.claim(job)))).filter(Boolean).length),
  );
  assert.deepEqual(
    wins,
    ids.map(() => 1),
    'each job claimed exactly once',
  );
  const claimed = await submitter.get(ids[0]!);
  assert.equal(claimed.status, 'running');
  assert.equal(claimed.claims, 1);
  const owner = racers.find((s) => s.nodeId === claimed.coordinatorId)!;
  assert.ok(owner, 'the coordinator is the winning node');
  assert.equal(await owner.renew(claimed.id, 1), true, 'the owner renews its lease');

  // Its lease runs out (the owner stopped renewing): exactly one other node adopts it.
  await sleep(400);
  const others = racers.filter((s) => s !== owner);
  const expired = await submitter.get(claimed.id);
  const adopted = (await Promise.all(others.map((s) => s.claim(expired)))).filter(Boolean).length;
  assert.equal(adopted, 1, 'adopted exactly once');
  const after = await submitter.get(claimed.id);
  assert.equal(after.claims, 2);
  assert.notEqual(after.coordinatorId, owner.nodeId);
  // The old owner is fenced: no renewal, and its progress and its end write nothing.
  assert.equal(await owner.renew(claimed.id, 1), false);
  await owner.progress(claimed.id, 1, 0.9, 123, 456);
  assert.equal(await owner.setStatus(claimed.id, 'failed', 'stale owner', 1), false);
  const fenced = await submitter.get(claimed.id);
  assert.equal(fenced.status, 'running');
  assert.equal(fenced.rows, 0);
  assert.equal(fenced.fractionCompleted, 0);
  for (const s of stores) await s.close();
}

describe('job claims and leases', () => {
  it('SQLite: racing nodes claim each job once; an expired lease is adopted once and its old owner fenced', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'strongroom-claims-')), 'jobs.db');
    await raceAndAdopt(await nodes(async () => new SqliteBackend(file), 4));
  });

  it('PostgreSQL: racing nodes claim each job once; an expired lease is adopted once and its old owner fenced', async (t) => {
    if (!cluster) return t.skip(skip);
    const uri = cluster.uri('claims');
    await raceAndAdopt(await nodes(() => PostgresBackend.open(uri, uri), 4));
  });
});
