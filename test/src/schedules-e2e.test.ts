// Backup schedules with the real engine, SQLite source and nodelocal storage, on a clock the test moves:
// scheduler passes are run at chosen times (Engine.runDueSchedules), never waited for. The jobs they start
// are real detached BACKUPs; a gated storage keeps one running while the next occurrence comes due.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeStatement, type Engine } from '@strongroom/engine';
import { parseStatement } from '@strongroom/sql';
import { describe, it } from 'vitest';
import { gatedRegistry } from './gated-storage.js';
import { expectCode, type Fixture, fixture, TS_CHILD } from './helpers.js';

const CHILD = fileURLToPath(new URL('./scheduler-child.ts', import.meta.url));
const T0 = Date.parse('2026-03-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

/** Waits (real time, bounded) until no job of this home is still going. */
async function jobsDone(f: Fixture): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const rows = (await f.run('SHOW JOBS')).rows;
    if (rows.every((r) => ['succeeded', 'failed', 'canceled'].includes(String(r[4])))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('jobs did not end');
}

async function schedules(f: Fixture): Promise<Map<string, readonly unknown[]>> {
  const rows = (await f.run('SHOW SCHEDULES')).rows;
  return new Map(rows.map((r) => [JSON.parse(String(r[9])).backup_type as string, r]));
}

const ms = (v: unknown): number => (v as Date).getTime();

const pass = (e: Engine, now: number) => e.runDueSchedules!(now);

async function demo(f: Fixture): Promise<void> {
  await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await f.run("INSERT INTO t (v) VALUES ('alpha'), ('beta')");
  await f.run("CREATE EXTERNAL CONNECTION store AS 'nodelocal://1/coll'");
  await f.run(`CREATE EXTERNAL CONNECTION k AS '${f.key('k')}'`);
}

/** What the pass due while the first backup still runs did, under each on_previous_running policy. */
function assertSecondOccurrence(
  policy: 'wait' | 'skip' | 'start',
  second: Awaited<ReturnType<typeof pass>>,
  id: bigint,
  schedule: readonly unknown[] | undefined,
): void {
  if (policy === 'wait') {
    assert.deepEqual([second.started, second.waiting], [[], [id]]);
    assert.equal(ms(schedule?.[3]), T0 + 2 * HOUR, 'still due');
  } else if (policy === 'skip') {
    assert.deepEqual(
      second.skipped.map((x) => x.scheduledFor),
      [T0 + 2 * HOUR],
    );
    assert.equal(ms(schedule?.[3]), T0 + 3 * HOUR);
  } else {
    assert.equal(second.started.length, 1, 'started beside the running one');
    assert.equal(schedule?.[6], 2n, 'two jobs running');
  }
}

describe('backup schedules', () => {
  it('CREATE SCHEDULE makes the full and incremental pair; each fires on time; SHOW and JOBS FOR SCHEDULE', async () => {
    let now = T0 + 10 * MIN;
    const f = await fixture({ now: () => now });
    try {
      await demo(f);
      const created = await f.run(
        "CREATE SCHEDULE nightly FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly'",
      );
      assert.deepEqual(
        created.columns.map((c) => c.name),
        ['schedule_id', 'label', 'status', 'first_run', 'schedule', 'backup_stmt'],
      );
      assert.equal(created.rows.length, 2, 'an incremental and a full schedule');
      assert.equal(created.rows[0]?.[2], 'PAUSED: Waiting for initial backup to complete');
      assert.equal(created.rows[0]?.[4], '@hourly');
      assert.equal(created.rows[1]?.[4], '@daily', 'hourly incrementals get daily fulls');
      assert.match(String(created.rows[0]?.[5]), /^BACKUP INTO LATEST IN 'external:\/\/store'/);
      const fullId = created.rows[1]?.[0] as bigint;
      const incId = created.rows[0]?.[0] as bigint;
      const nextDay = Date.parse('2026-03-02T00:00:00Z');
      assert.equal(ms(created.rows[1]?.[3]), nextDay);

      // Not yet due: nothing starts, even a millisecond before.
      assert.deepEqual((await pass(f.engine, nextDay - 1)).started, []);
      now = nextDay;
      const first = await pass(f.engine, now);
      assert.equal(first.started.length, 1);
      assert.equal(first.started[0]?.scheduleId, fullId);
      await jobsDone(f);
      // The full backup's success wakes the incremental schedule at its next occurrence.
      now = nextDay + MIN;
      await pass(f.engine, now);
      const s = await schedules(f);
      assert.equal(s.get('INCREMENTAL')?.[2], 'ACTIVE');
      assert.equal(ms(s.get('INCREMENTAL')?.[3]), nextDay + HOUR);
      assert.equal(ms(s.get('FULL')?.[3]), nextDay + 24 * HOUR);

      await f.run("INSERT INTO t (v) VALUES ('gamma')");
      now = nextDay + HOUR;
      const second = await pass(f.engine, now);
      assert.deepEqual(
        second.started.map((x) => x.scheduleId),
        [incId],
      );
      await jobsDone(f);
      await pass(f.engine, now + MIN);
      const layers = await f.run("SHOW BACKUP FROM LATEST IN 'external://store' WITH kms = 'external://k'");
      assert.deepEqual(new Set(layers.rows.map((r) => r[4])), new Set(['full', 'incremental']));
      await f.run(
        "RESTORE DATABASE defaultdb FROM LATEST IN 'external://store' WITH kms = 'external://k', new_db_name = 'r'",
      );
      assert.deepEqual(f.rows('r', 't'), f.rows('defaultdb', 't'));

      const fullJobs = await f.run(`SHOW JOBS FOR SCHEDULE ${fullId}`);
      const incJobs = await f.run(`SHOW JOBS FOR SCHEDULE ${incId}`);
      assert.equal(fullJobs.rows.length, 1);
      assert.equal(incJobs.rows.length, 1);
      assert.match(String(incJobs.rows[0]?.[2]), /IN 'external:\/\/store'/);
      const shown = json((await f.run('SHOW SCHEDULES')).rows);
      assert.ok(!shown.includes('coll') && !shown.includes('.key'), 'schedules show no connection contents');

      const create = await f.run(`SHOW CREATE SCHEDULE ${incId}`);
      assert.equal(
        create.rows[0]?.[1],
        "CREATE SCHEDULE 'nightly' FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP '@daily' WITH SCHEDULE OPTIONS on_execution_failure = 'reschedule', on_previous_running = 'wait'",
      );

      await f.run(`PAUSE SCHEDULE ${incId}`);
      assert.deepEqual(
        (await pass(f.engine, nextDay + 2 * HOUR)).started,
        [],
        'a paused schedule does not run',
      );
      now = nextDay + 5 * HOUR + 30 * MIN;
      await f.run(`RESUME SCHEDULE ${incId}`);
      assert.equal(ms((await schedules(f)).get('INCREMENTAL')?.[3]), nextDay + 6 * HOUR);
      await f.run(`DROP SCHEDULE ${incId}`);
      await expectCode(f.run(`SHOW SCHEDULE ${incId}`), 'SCHEDULE_NOT_FOUND');
      await expectCode(f.run(`PAUSE SCHEDULE ${incId}`), 'SCHEDULE_NOT_FOUND');
      assert.equal((await f.run('SHOW SCHEDULES')).rows.length, 1);
      await expectCode(f.run('DROP EXTERNAL CONNECTION store'), 'INVALID_PARAMETER');
    } finally {
      await f.engine.close();
    }
  });

  it('refuses secrets in a schedule, a used collection unless ignore_existing_backups, and bad options', async () => {
    const f = await fixture({ now: () => T0 });
    try {
      await demo(f);
      await expectCode(
        f.run(
          "CREATE SCHEDULE FOR BACKUP INTO 's3://bucket/x?AWS_ACCESS_KEY_ID=AKIAFAKE&AWS_SECRET_ACCESS_KEY=fake' RECURRING '@daily'",
        ),
        'INVALID_OPTION',
      );
      await expectCode(
        f.run(
          "CREATE SCHEDULE FOR BACKUP INTO 'external://store' WITH encryption_passphrase = 'pw' RECURRING '@daily'",
        ),
        'INVALID_OPTION',
      );
      await expectCode(
        f.run("CREATE SCHEDULE FOR BACKUP INTO 'external://store' RECURRING 'every day'"),
        'INVALID_OPTION',
      );
      await expectCode(
        f.run(
          "CREATE SCHEDULE FOR BACKUP INTO 'external://store' RECURRING '@daily' WITH SCHEDULE OPTIONS on_execution_failure = 'explode'",
        ),
        'INVALID_OPTION',
      );
      await f.run("BACKUP INTO 'external://store' WITH kms = 'external://k'");
      await expectCode(
        f.run(
          "CREATE SCHEDULE FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@daily'",
        ),
        'BACKUP_EXISTS',
      );
      const r = await f.run(
        "CREATE SCHEDULE IF NOT EXISTS s FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@daily' WITH SCHEDULE OPTIONS ignore_existing_backups",
      );
      assert.equal(r.rows.length, 2, 'daily incrementals, weekly fulls');
      assert.equal(r.rows[1]?.[4], '@weekly');
      const again = await f.run(
        "CREATE SCHEDULE IF NOT EXISTS s FOR BACKUP INTO 'external://store' RECURRING '@daily' WITH SCHEDULE OPTIONS ignore_existing_backups",
      );
      assert.equal(again.rows.length, 0, 'IF NOT EXISTS: the label exists');
    } finally {
      await f.engine.close();
    }
  });

  for (const policy of ['retry', 'reschedule', 'pause'] as const) {
    it(`a failing destination with on_execution_failure = ${policy}`, async () => {
      const f = await fixture({ now: () => T0 });
      try {
        await demo(f);
        // A destination that cannot be written: the collection's path is a regular file.
        writeFileSync(join(f.extern, 'blocked'), 'not a directory');
        await f.run("CREATE EXTERNAL CONNECTION bad AS 'nodelocal://1/blocked/c'");
        const r = await f.run(
          `CREATE SCHEDULE FOR BACKUP INTO 'external://bad' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS first_run = 'now', on_execution_failure = '${policy}', ignore_existing_backups`,
        );
        const id = r.rows[0]?.[0] as bigint;
        const report = await pass(f.engine, T0);
        await jobsDone(f);
        const settled = await pass(f.engine, T0 + MIN);
        const failures =
          report.failed.length + settled.settled.filter((x) => x.outcome !== 'succeeded').length;
        assert.equal(failures, 1, json({ report, settled }));
        const row = (await f.run(`SHOW SCHEDULE ${id}`)).rows[0]!;
        if (policy === 'retry') {
          assert.equal(row[2], 'ACTIVE');
          assert.match(String(row[4]), /^retrying: /);
          const retryAt = (row[3] as Date).getTime();
          assert.ok(retryAt <= T0 + 2 * MIN, 'retried within minutes, not at the next hour');
          assert.deepEqual((await pass(f.engine, retryAt - 1)).started, []);
          assert.equal(
            (await pass(f.engine, retryAt)).started.length + (await pass(f.engine, retryAt)).failed.length,
            1,
          );
        } else if (policy === 'reschedule') {
          assert.equal(row[2], 'ACTIVE');
          assert.match(String(row[4]), /^reschedule: /);
          assert.equal((row[3] as Date).getTime(), T0 + HOUR, 'the next regular occurrence');
          assert.deepEqual((await pass(f.engine, T0 + HOUR - 1)).started, []);
        } else {
          assert.equal(row[2], 'PAUSED');
          assert.match(String(row[4]), /^paused after a failure: /);
          const later = await pass(f.engine, T0 + 5 * HOUR);
          assert.deepEqual([later.started, later.failed], [[], []], 'a paused schedule does not run');
          await f.run(`RESUME SCHEDULE ${id}`);
          assert.equal((await f.run(`SHOW SCHEDULE ${id}`)).rows[0]?.[2], 'ACTIVE');
        }
        const text = json((await f.run('SHOW JOBS')).rows) + json((await f.run('SHOW SCHEDULES')).rows);
        assert.ok(!text.includes('.key'), 'no key path in jobs or schedules');
      } finally {
        await f.engine.close();
      }
    });
  }

  for (const policy of ['wait', 'skip', 'start'] as const) {
    it(`a previous run still going with on_previous_running = ${policy}`, async () => {
      const { registry, gate } = gatedRegistry();
      const f = await fixture({ now: () => T0, storage: registry });
      try {
        await demo(f);
        await f.run("CREATE EXTERNAL CONNECTION slow AS 'gated://1/slow'");
        const r = await f.run(
          `CREATE SCHEDULE FOR BACKUP INTO 'external://slow' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS on_previous_running = '${policy}'`,
        );
        const id = r.rows[0]?.[0] as bigint;
        gate.close();
        const first = await pass(f.engine, T0 + HOUR);
        assert.equal(first.started.length, 1);
        for (let i = 0; i < 200 && gate.waiting === 0; i++) await new Promise((res) => setTimeout(res, 10));
        assert.ok(gate.waiting > 0, 'the first backup is held at the gate, still running');
        const second = await pass(f.engine, T0 + 2 * HOUR);
        const schedule = (await f.run(`SHOW SCHEDULE ${id}`)).rows[0];
        assertSecondOccurrence(policy, second, id, schedule);
        gate.open();
        await jobsDone(f);
        const after = await pass(f.engine, T0 + 2 * HOUR + 30 * MIN);
        if (policy === 'wait')
          assert.equal(after.started.length, 1, 'the waiting occurrence runs once the first ended');
        else assert.equal(after.started.length, 0);
        await jobsDone(f);
        const jobs = await f.run(`SHOW JOBS FOR SCHEDULE ${id}`);
        assert.equal(jobs.rows.length, policy === 'skip' ? 1 : 2, `backups in all (${policy})`);
        assert.ok(
          jobs.rows.every((j) => j[5] === 'succeeded'),
          json(jobs.rows),
        );
      } finally {
        gate.open();
        await f.engine.close();
      }
    });
  }

  it('two schedulers on one state directory run each occurrence once', async () => {
    const a = await fixture({ now: () => T0 });
    const b = await fixture({ now: () => T0, home: a.home });
    try {
      await demo(a);
      await a.run(
        "CREATE SCHEDULE FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '*/10 * * * *' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS on_previous_running = 'start'",
      );
      let started = 0;
      for (let i = 1; i <= 6; i++) {
        const at = T0 + i * 10 * MIN;
        const [ra, rb] = await Promise.all([pass(a.engine, at), pass(b.engine, at)]);
        started += ra.started.length + rb.started.length;
        assert.equal(ra.started.length + rb.started.length, 1, `occurrence ${i} started once`);
        // Two full backups ending in the same 10 ms would share a directory; one at a time.
        await jobsDone(a);
      }
      assert.equal(started, 6);
      await jobsDone(a);
      await jobsDone(b);
      assert.equal((await a.run("SHOW BACKUPS IN 'external://store'")).rows.length, 6);
    } finally {
      await a.engine.close();
      await b.engine.close();
    }
  });

  it('ALTER BACKUP SCHEDULE changes both schedules of a pair; EXECUTE FULL IMMEDIATELY runs now', async () => {
    const now = T0 + 7 * MIN;
    const f = await fixture({ now: () => now });
    try {
      await demo(f);
      await f.run(`CREATE EXTERNAL CONNECTION k2 AS '${f.key('k2')}'`);
      await f.run("CREATE EXTERNAL CONNECTION other AS 'nodelocal://1/other'");
      const r = await f.run(
        "CREATE SCHEDULE s FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly'",
      );
      const incId = r.rows[0]?.[0] as bigint;
      const fullId = r.rows[1]?.[0] as bigint;
      const altered = await f.run(
        `ALTER BACKUP SCHEDULE ${incId} SET LABEL 'renamed', SET RECURRING '*/30 * * * *', SET FULL BACKUP '@weekly', SET SCHEDULE OPTION on_execution_failure = 'pause', SET WITH kms = 'external://k2', SET INTO 'external://other'`,
      );
      // As CREATE SCHEDULE shows them, the incremental schedule first. With a new collection, the incremental
      // schedule waits for a full backup there, and the full one runs now (CockroachDB's processInto).
      assert.deepEqual(
        altered.columns.map((c) => c.name),
        ['schedule_id', 'label', 'status', 'first_run', 'schedule', 'backup_stmt'],
      );
      // Described (the wire protocol's Describe, before Execute) as it executes.
      assert.deepEqual(
        describeStatement(parseStatement(`ALTER BACKUP SCHEDULE ${incId} SET LABEL 'x'`)),
        altered.columns,
      );
      assert.deepEqual(
        altered.rows.map((row) => [row[0], row[1], row[2], row[3] === null ? null : ms(row[3]), row[4]]),
        [
          [incId, 'renamed', 'PAUSED: Waiting for initial backup to complete', null, '*/30 * * * *'],
          [fullId, 'renamed', 'ACTIVE', now, '@weekly'],
        ],
      );
      assert.match(
        String(altered.rows[0]?.[5]),
        /^BACKUP INTO LATEST IN 'external:\/\/other' WITH kms = 'external:\/\/k2'/,
      );
      await expectCode(f.run(`ALTER BACKUP SCHEDULE ${incId} EXECUTE IMMEDIATELY`), 'JOB_STATE');
      const create = await f.run(`SHOW CREATE SCHEDULE ${incId}`);
      assert.equal(
        create.rows[0]?.[1],
        "CREATE SCHEDULE 'renamed' FOR BACKUP INTO 'external://other' WITH kms = 'external://k2' RECURRING '*/30 * * * *' FULL BACKUP '@weekly' WITH SCHEDULE OPTIONS on_execution_failure = 'pause', on_previous_running = 'wait'",
      );
      await expectCode(
        f.run(`ALTER BACKUP SCHEDULE ${incId} SET WITH encryption_passphrase = 'pw'`),
        'INVALID_OPTION',
      );
      await expectCode(f.run('ALTER BACKUP SCHEDULE 42 EXECUTE IMMEDIATELY'), 'SCHEDULE_NOT_FOUND');
      await f.run(`ALTER BACKUP SCHEDULE ${incId} EXECUTE FULL IMMEDIATELY`);
      const ran = await pass(f.engine, now);
      assert.deepEqual(
        ran.started.map((x) => x.scheduleId),
        [fullId],
      );
      await jobsDone(f);
      assert.equal((await f.run("SHOW BACKUPS IN 'external://other'")).rows.length, 1);
      await f.run("SHOW BACKUP FROM LATEST IN 'external://other' WITH kms = 'external://k2'");
      // The full backup in the new collection wakes the incremental schedule.
      await pass(f.engine, now + MIN);
      assert.equal((await f.run(`SHOW SCHEDULE ${incId}`)).rows[0]?.[2], 'ACTIVE');
    } finally {
      await f.engine.close();
    }
  });

  it('a full backup into the old collection that ends after SET INTO wakes no incremental; the next full there does', async () => {
    let now = T0 + 7 * MIN;
    const f = await fixture({ now: () => now });
    try {
      await demo(f);
      await f.run("CREATE EXTERNAL CONNECTION other AS 'nodelocal://1/other'");
      const r = await f.run(
        "CREATE SCHEDULE s FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' WITH SCHEDULE OPTIONS first_run = 'now'",
      );
      const [incId, fullId] = r.rows.map((row) => row[0] as bigint);
      assert.deepEqual(
        (await pass(f.engine, now)).started.map((x) => x.scheduleId),
        [fullId],
      );
      // The full backup into 'store' is settled only after the ALTER: it must not wake incrementals on 'other'.
      now += 1000;
      await f.run(`ALTER BACKUP SCHEDULE ${fullId} SET INTO 'external://other'`);
      await jobsDone(f);
      const next = await pass(f.engine, now + MIN);
      assert.deepEqual(
        next.started.map((x) => x.scheduleId),
        [fullId],
        'the full schedule runs into the new collection',
      );
      assert.equal((await f.run(`SHOW SCHEDULE ${incId}`)).rows[0]?.[2], 'PAUSED');
      await jobsDone(f);
      await pass(f.engine, now + 2 * MIN);
      assert.equal((await f.run(`SHOW SCHEDULE ${incId}`)).rows[0]?.[2], 'ACTIVE');
      assert.equal((await f.run("SHOW BACKUPS IN 'external://other'")).rows.length, 1);
      // A paused schedule is not run behind the user's back (CockroachDB: use RESUME SCHEDULE).
      await f.run(`PAUSE SCHEDULE ${fullId}`);
      const paused = await expectCode(
        f.run(`ALTER BACKUP SCHEDULE ${fullId} EXECUTE FULL IMMEDIATELY`),
        'JOB_STATE',
      );
      assert.match(paused.message, /cannot execute a paused schedule/);
    } finally {
      await f.engine.close();
    }
  });

  it('ALTER BACKUP SCHEDULE SET FULL BACKUP ALWAYS drops the incremental schedule; SET FULL BACKUP <cron> makes it again', async () => {
    let now = T0 + 7 * MIN;
    const f = await fixture({ now: () => now });
    try {
      await demo(f);
      const r = await f.run(
        "CREATE SCHEDULE s FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly'",
      );
      const [oldIncId, fullId] = r.rows.map((row) => row[0] as bigint);
      const always = await f.run(`ALTER BACKUP SCHEDULE ${oldIncId} SET FULL BACKUP ALWAYS`);
      assert.deepEqual(
        always.rows.map((row) => [row[0], row[2], row[4]]),
        [[fullId, 'ACTIVE', '@hourly']],
        'only the full schedule is left, on the incremental one’s crontab',
      );
      assert.equal(ms(always.rows[0]?.[3]), T0 + HOUR);
      await expectCode(f.run(`SHOW SCHEDULE ${oldIncId}`), 'SCHEDULE_NOT_FOUND');
      const [solo] = (await f.run('SHOW SCHEDULES')).rows;
      assert.deepEqual(JSON.parse(String(solo?.[9])).dependent_schedule_id, undefined, 'no pair any more');
      assert.equal(
        (await f.run(`SHOW CREATE SCHEDULE ${fullId}`)).rows[0]?.[1],
        "CREATE SCHEDULE 's' FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS on_execution_failure = 'reschedule', on_previous_running = 'wait'",
      );
      // Again: nothing to drop, nothing changes.
      await f.run(`ALTER BACKUP SCHEDULE ${fullId} SET FULL BACKUP ALWAYS`);
      assert.equal((await f.run('SHOW SCHEDULES')).rows.length, 1);
      now = T0 + HOUR;
      assert.deepEqual(
        (await pass(f.engine, now)).started.map((x) => x.scheduleId),
        [fullId],
      );
      await jobsDone(f);
      // The next pass settles that run: a full backup that completed before the split wakes no incremental.
      await pass(f.engine, T0 + HOUR + MIN);

      await expectCode(
        f.run(`ALTER BACKUP SCHEDULE ${fullId} SET FULL BACKUP '@hourly', SET RECURRING '@daily'`),
        'INVALID_OPTION',
      );
      const split = await f.run(`ALTER BACKUP SCHEDULE ${fullId} SET FULL BACKUP '@daily'`);
      assert.equal(split.rows.length, 2, 'the incremental schedule, then the full one');
      const incId = split.rows[0]?.[0] as bigint;
      assert.notEqual(incId, oldIncId);
      assert.deepEqual(
        split.rows.map((row) => [row[2], row[3], row[4]]),
        [
          ['PAUSED: Waiting for initial backup to complete', null, '@hourly'],
          ['ACTIVE', split.rows[1]?.[3], '@daily'],
        ],
      );
      assert.match(
        String(split.rows[0]?.[5]),
        /^BACKUP INTO LATEST IN 'external:\/\/store' WITH kms = 'external:\/\/k'/,
      );
      const nextDay = Date.parse('2026-03-02T00:00:00Z');
      assert.equal(ms(split.rows[1]?.[3]), nextDay);
      const pair = await schedules(f);
      assert.equal(JSON.parse(String(pair.get('FULL')?.[9])).dependent_schedule_id, String(incId));
      assert.equal(JSON.parse(String(pair.get('INCREMENTAL')?.[9])).dependent_schedule_id, String(fullId));
      assert.equal(
        (await f.run(`SHOW CREATE SCHEDULE ${incId}`)).rows[0]?.[1],
        "CREATE SCHEDULE 's' FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP '@daily' WITH SCHEDULE OPTIONS on_execution_failure = 'reschedule', on_previous_running = 'wait'",
      );

      // The new incremental schedule waits for the next full backup, then takes incrementals on its chain.
      assert.deepEqual((await pass(f.engine, T0 + 2 * HOUR)).started, [], 'the paused incremental waits');
      now = nextDay;
      assert.deepEqual(
        (await pass(f.engine, now)).started.map((x) => x.scheduleId),
        [fullId],
      );
      await jobsDone(f);
      now = nextDay + MIN;
      await pass(f.engine, now);
      assert.equal((await schedules(f)).get('INCREMENTAL')?.[2], 'ACTIVE');
      await f.run("INSERT INTO t (v) VALUES ('gamma')");
      now = nextDay + HOUR;
      assert.deepEqual(
        (await pass(f.engine, now)).started.map((x) => x.scheduleId),
        [incId],
      );
      await jobsDone(f);
      const layers = await f.run("SHOW BACKUP FROM LATEST IN 'external://store' WITH kms = 'external://k'");
      assert.deepEqual(
        layers.rows.map((row) => row[4]).filter((t, i, all) => all.indexOf(t) === i),
        ['full', 'incremental'],
      );
    } finally {
      await f.engine.close();
    }
  });

  it('SHOW CREATE ALL SCHEDULES gives each schedule the statement that makes it (and its pair)', async () => {
    const f = await fixture({ now: () => T0 });
    try {
      await demo(f);
      await f.run("CREATE EXTERNAL CONNECTION other AS 'nodelocal://1/other'");
      const pair = await f.run(
        "CREATE SCHEDULE nightly FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP '@daily' WITH SCHEDULE OPTIONS on_execution_failure = 'retry'",
      );
      const solo = await f.run(
        "CREATE SCHEDULE weekly FOR BACKUP INTO 'external://other' WITH kms = 'external://k' RECURRING '@weekly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS on_previous_running = 'skip', keep_full = 3",
      );
      const all = await f.run('SHOW CREATE ALL SCHEDULES');
      assert.deepEqual(
        all.columns.map((c) => c.name),
        ['schedule_id', 'create_statement'],
      );
      const nightly =
        "CREATE SCHEDULE 'nightly' FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP '@daily' WITH SCHEDULE OPTIONS on_execution_failure = 'retry', on_previous_running = 'wait'";
      const weekly =
        "CREATE SCHEDULE 'weekly' FOR BACKUP INTO 'external://other' WITH kms = 'external://k' RECURRING '@weekly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS on_execution_failure = 'reschedule', on_previous_running = 'skip', keep_full = '3'";
      const expected = new Map<bigint, string>([
        ...pair.rows.map((row) => [row[0] as bigint, nightly] as const),
        [solo.rows[0]?.[0] as bigint, weekly],
      ]);
      assert.deepEqual(new Map(all.rows.map((row) => [row[0] as bigint, row[1] as string])), expected);
      // Each statement makes the same schedules again (after the originals are dropped).
      await f.run('DROP SCHEDULES SELECT id FROM [SHOW SCHEDULES]');
      assert.equal((await f.run('SHOW SCHEDULES')).rows.length, 0);
      for (const statement of new Set(expected.values())) await f.run(statement);
      const again = await f.run('SHOW CREATE ALL SCHEDULES');
      assert.deepEqual(again.rows.map((row) => row[1]).sort(), [...expected.values()].sort());
    } finally {
      await f.engine.close();
    }
  });

  it('a scheduled job whose daemon was killed is adopted by a live node, and its occurrence settles once', async () => {
    const { registry } = gatedRegistry();
    const f = await fixture({ now: () => T0, storage: registry });
    try {
      await demo(f);
      await f.run("CREATE EXTERNAL CONNECTION slow AS 'gated://1/slow'");
      const r = await f.run(
        "CREATE SCHEDULE FOR BACKUP INTO 'external://slow' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS first_run = 'now', on_execution_failure = 'retry'",
      );
      const id = r.rows[0]?.[0] as bigint;
      // Another scheduler process claims the occurrence, starts the backup, and is SIGKILLed mid-backup.
      const child = spawn(process.execPath, [...TS_CHILD, CHILD, f.home, String(T0)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const started = await new Promise<string>((res) =>
        child.stdout!.once('data', (b: Buffer) => res(b.toString().trim())),
      );
      assert.match(started, /^\d+$/, 'the child started one job');
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGKILL');
      await exited;
      assert.equal(
        (await f.run(`SHOW JOB ${started}`)).rows[0]?.[5],
        'running',
        'the orphan still reads running',
      );
      // The occurrence is claimed by its job: a scheduler pass neither runs it again nor fails it.
      const p = await pass(f.engine, T0 + MIN);
      assert.deepEqual([p.started, p.settled, p.failed], [[], [], []]);
      // A live node adopts the job (its node is gone) and finishes it under the same job id.
      assert.deepEqual(await f.engine.runClaimableJobs!(), [BigInt(started)]);
      await jobsDone(f);
      assert.equal((await f.run(`SHOW JOB ${started}`)).rows[0]?.[5], 'succeeded');
      const settled = await pass(f.engine, T0 + 2 * MIN);
      assert.deepEqual(
        settled.settled.map((x) => [x.scheduleId, x.outcome]),
        [[id, 'succeeded']],
      );
      assert.equal(settled.started.length, 0, 'the occurrence ran once');
      const jobs = await f.run(`SHOW JOBS FOR SCHEDULE ${id}`);
      assert.deepEqual(
        jobs.rows.map((j) => [String(j[0]), j[5]]),
        [[started, 'succeeded']],
      );
      assert.equal((await f.run(`SHOW BACKUPS IN 'external://slow'`)).rows.length, 1);
    } finally {
      await f.engine.close();
    }
  });

  it('keep_full on a schedule keeps the newest chains after each full backup', async () => {
    const f = await fixture({ now: () => T0 });
    try {
      await demo(f);
      const r = await f.run(
        "CREATE SCHEDULE FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS WITH SCHEDULE OPTIONS keep_full = '2'",
      );
      const id = r.rows[0]?.[0] as bigint;
      for (let i = 1; i <= 4; i++) {
        await pass(f.engine, T0 + i * HOUR);
        await jobsDone(f);
        await pass(f.engine, T0 + i * HOUR + MIN); // settles: retention runs after a full backup succeeded
        assert.equal((await f.run("SHOW BACKUPS IN 'external://store'")).rows.length, Math.min(i, 2));
      }
      assert.equal((await f.run(`SHOW JOBS FOR SCHEDULE ${id}`)).rows.length, 4);
      await f.run(
        "RESTORE DATABASE defaultdb FROM LATEST IN 'external://store' WITH kms = 'external://k', new_db_name = 'r'",
      );
      assert.deepEqual(f.rows('r', 't'), f.rows('defaultdb', 't'));
    } finally {
      await f.engine.close();
    }
  });

  it('PAUSE / RESUME / DROP SCHEDULES and SHOW JOBS FOR SCHEDULES take a query over [SHOW SCHEDULES]', async () => {
    const f = await fixture({ now: () => T0 });
    try {
      await demo(f);
      await f.run(
        "CREATE SCHEDULE a FOR BACKUP INTO 'external://store/a' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS",
      );
      await f.run(
        "CREATE SCHEDULE b FOR BACKUP INTO 'external://store/b' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS",
      );
      const paused = await f.run("PAUSE SCHEDULES SELECT id FROM [SHOW SCHEDULES] WHERE label = 'a'");
      assert.equal(paused.tag, 'PAUSE SCHEDULES 1');
      const byLabel = async () =>
        new Map((await f.run('SHOW SCHEDULES')).rows.map((r) => [String(r[1]), String(r[2])]));
      assert.deepEqual(
        [...(await byLabel())],
        [
          ['a', 'PAUSED'],
          ['b', 'ACTIVE'],
        ],
      );
      const ran = await pass(f.engine, T0 + HOUR);
      assert.equal(ran.started.length, 1, 'only b runs');
      await jobsDone(f);
      const jobs = await f.run("SHOW JOBS FOR SCHEDULES SELECT id FROM [SHOW SCHEDULES] WHERE label = 'b'");
      assert.equal(jobs.rows.length, 1);
      assert.match(String(jobs.rows[0]?.[2]), /external:\/\/store\/b/);
      await f.run("RESUME SCHEDULES (SELECT id FROM [SHOW SCHEDULES] WHERE schedule_status = 'PAUSED')");
      assert.equal((await byLabel()).get('a'), 'ACTIVE');
      const dropped = await f.run('DROP SCHEDULES SELECT id FROM [SHOW SCHEDULES]');
      assert.equal(dropped.tag, 'DROP SCHEDULES 2');
      assert.equal((await f.run('SHOW SCHEDULES')).rows.length, 0);
      await expectCode(
        f.run("PAUSE SCHEDULES SELECT id FROM [SHOW SCHEDULES] WHERE '[SHOW SCHEDULES]' = x"),
        'SYNTAX_ERROR',
      );
    } finally {
      await f.engine.close();
    }
  });

  it('missed occurrences run once when the scheduler is back', async () => {
    const f = await fixture({ now: () => T0 });
    try {
      await demo(f);
      const r = await f.run(
        "CREATE SCHEDULE FOR BACKUP INTO 'external://store' WITH kms = 'external://k' RECURRING '@hourly' FULL BACKUP ALWAYS",
      );
      const id = r.rows[0]?.[0] as bigint;
      // Down from T0 to T0 + 5h30: five occurrences missed, one run.
      const back = await pass(f.engine, T0 + 5 * HOUR + 30 * MIN);
      assert.deepEqual(
        back.started.map((x) => x.scheduledFor),
        [T0 + HOUR],
      );
      assert.equal(ms((await f.run(`SHOW SCHEDULE ${id}`)).rows[0]?.[3]), T0 + 6 * HOUR);
      assert.deepEqual((await pass(f.engine, T0 + 5 * HOUR + 31 * MIN)).started, []);
      await jobsDone(f);
    } finally {
      await f.engine.close();
    }
  });
});
