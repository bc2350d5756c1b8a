// Claims and leases of the jobs store on both backends (SQLite file, PostgreSQL): several nodes racing to
// claim the same jobs win each exactly once; a lease that runs out is adopted by exactly one other node, and
// the node that lost it is fenced — its renewal fails and its writes change nothing. The same for a job's
// units (job_units): each claimed once, an expired unit lease re-claimed once, its old owner's result
// refused, and nothing of the job's units written under a job claim that moved on.
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

async function raceUnits(stores: JobsStore[]): Promise<void> {
  const [submitter, ...racers] = stores as [JobsStore, ...JobsStore[]];
  const id = (await submitter.create({
    type: 'BACKUP',
    description: "BACKUP INTO 'nodelocal://1/units'",
    userName: 'root',
    payload: "BACKUP INTO 'nodelocal://1/units'",
    status: 'running',
  }))!;
  const n = 30;
  const all = Array.from({ length: n }, (_, i) => i);
  const specs = all.map((i) => ({ spec: JSON.stringify({ span: i }) }));
  assert.equal(await submitter.units.replace(id, 1, specs), true, 'the holder of the job records its units');
  assert.equal(await submitter.units.replace(id, 2, specs), false, 'not under a claim the job does not have');
  const now = submitter.now();
  const claim = (s: JobsStore, units: number[], jobClaims = 1) =>
    s.units.claim(id, jobClaims, units, s.nodeId, s.now() + s.leaseMs, s.now());
  const result = (unit: number, claims: number, text: string) => [{ unit, claims, result: text }];
  // Every node claims every unit at once, in one batch each, in different orders: one winner per unit.
  const got = await Promise.all(racers.map((s, k) => claim(s, k % 2 === 0 ? all : [...all].reverse())));
  const winner = new Map<number, JobsStore>();
  for (const [k, units] of got.entries())
    for (const u of units) {
      assert.equal(winner.has(u.unit), false, `unit ${u.unit} claimed twice`);
      assert.equal(u.claims, 1);
      winner.set(u.unit, racers[k]!);
    }
  assert.equal(winner.size, n, 'every unit claimed');
  const units = await submitter.units.list(id);
  assert.deepEqual(
    units.map((u) => [u.state, u.owner, u.claims]),
    all.map((u) => ['running', winner.get(u)!.nodeId, 1]),
  );
  assert.ok(units.every((u) => u.leaseExpires > now));
  // A loser cannot record a result; the winner can; in a batch, a result under a wrong claim counter is not
  // recorded, the others are.
  const w0 = winner.get(0)!;
  const loser = racers.find((s) => s !== w0)!;
  assert.equal(await submitter.units.complete(id, 1, loser.nodeId, result(0, 1, '{"by":"loser"}')), 0);
  assert.equal(await submitter.units.complete(id, 1, w0.nodeId, result(0, 1, '{"by":"winner"}')), 1);
  assert.deepEqual(await claim(loser, [0]), [], 'a done unit is not claimed again');
  const [a, b] = all.filter((u) => u > 4 && winner.get(u) === winner.get(5));
  assert.ok(a !== undefined && b !== undefined, 'a node won two units');
  const batch = [...result(a, 1, '{"a":1}'), ...result(b, 7, '{"b":7}')];
  assert.equal(await submitter.units.complete(id, 1, winner.get(a)!.nodeId, batch), 1, 'only the held one');

  // Unit 1's lease runs out (its node stopped renewing): exactly one node claims it again, and the old
  // owner's result is refused.
  await sleep(400);
  const again = await Promise.all(racers.map((s) => claim(s, [1])));
  assert.equal(again.flat().length, 1, 'an expired unit is re-claimed exactly once');
  const taker = racers[again.findIndex((g) => g.length === 1)]!;
  assert.equal(again.flat()[0]?.claims, 2);
  const w1 = winner.get(1)!;
  assert.equal(await submitter.units.complete(id, 1, w1.nodeId, result(1, 1, '{"by":"old"}')), 0);
  assert.equal(await submitter.units.complete(id, 1, taker.nodeId, result(1, 2, '{"by":"new"}')), 1);
  const [u0, u1] = await submitter.units.list(id);
  assert.deepEqual(
    [u0?.state, u0?.result, u1?.state, u1?.result, u1?.claims],
    ['done', '{"by":"winner"}', 'done', '{"by":"new"}', 2],
  );

  // The job passes to another node (its lease ran out): units claimed or finished under the old job claim
  // change nothing, and the new holder replaces the plan.
  const job = await submitter.get(id);
  assert.equal(await racers[0]!.claim(job), true);
  assert.deepEqual(await claim(racers[1]!, [2, 3, 4]), [], 'no unit claimed under a job claim that moved on');
  const w3 = winner.get(3)!;
  assert.equal(await submitter.units.complete(id, 1, w3.nodeId, result(3, 1, '{}')), 0);
  assert.equal(await racers[0]!.units.replace(id, 1, specs), false);
  assert.equal(await racers[0]!.units.replace(id, 2, specs.slice(0, 3)), true);
  assert.equal((await submitter.units.list(id)).length, 3);
  // An ended job's units are removed.
  assert.equal(await racers[0]!.setStatus(id, 'succeeded', undefined, 2), true);
  assert.deepEqual(await submitter.units.list(id), []);
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

  it("SQLite: a job's units are claimed once each, an expired unit lease is re-claimed once, and stale owners are fenced", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'strongroom-units-')), 'jobs.db');
    await raceUnits(await nodes(async () => new SqliteBackend(file), 4));
  });

  it("PostgreSQL: a job's units are claimed once each, an expired unit lease is re-claimed once, and stale owners are fenced", async (t) => {
    if (!cluster) return t.skip(skip);
    await pgQuery(cluster, 'postgres', 'CREATE DATABASE units');
    const uri = cluster.uri('units');
    await raceUnits(await nodes(() => PostgresBackend.open(uri, uri), 4));
  });
});
