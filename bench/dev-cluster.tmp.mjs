import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pgQuery, startPostgres } from '../packages/testkit/dist/emulators/postgres.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 70);
const cluster = await startPostgres({
  settings: {
    shared_buffers: '1GB',
    maintenance_work_mem: '512MB',
    max_wal_size: '8GB',
    checkpoint_timeout: '30min',
    fsync: 'on',
  },
});
const port = cluster.port;
const env = `PGHOST=127.0.0.1 PGPORT=${port} PGUSER=postgres`;
const sh = (c) => execFileSync('bash', ['-c', c], { stdio: ['ignore', 'pipe', 'inherit'] }).toString();
sh(`${env} createdb bench && ${env} pgbench -i -s ${SCALE} -q bench 2>/dev/null`);
const mixedRows = Math.round((SCALE * 1_200_000) / 70);
await pgQuery(
  cluster,
  'bench',
  `CREATE EXTENSION pgcrypto;
     CREATE TABLE mixed (id bigint PRIMARY KEY, name text NOT NULL, doc jsonb, amount numeric(18,4),
                         created_at timestamptz, payload bytea);
     INSERT INTO mixed SELECT g, 'customer-' || g || ' ' || md5(g::text) || repeat('x', (g % 20)),
       jsonb_build_object('id', g, 'tags', jsonb_build_array('a'||(g%7),'b'||(g%11),'c'||(g%13)),
          'active', (g%2=0), 'score', (g*7 % 1000)/10.0, 'note', md5((g*3)::text),
          'addr', jsonb_build_object('city','City'||(g%500),'zip',lpad((g%99999)::text,5,'0'))),
       (g * 12.3456)::numeric(18,4), timestamptz '2020-01-01' + (g || ' seconds')::interval,
       gen_random_bytes(48) || convert_to(repeat('p', 32 + g % 32),'UTF8')
     FROM generate_series(1, ${mixedRows}) g;`,
);
await pgQuery(cluster, 'bench', 'VACUUM ANALYZE');
writeFileSync('/tmp/dev/port', String(port));
console.log('ready', port);
process.on('SIGTERM', async () => {
  await cluster.stop();
  process.exit(0);
});
setInterval(() => {}, 1e6);
