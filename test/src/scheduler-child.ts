// A scheduler process for tests: makes one scheduler pass at NOW over HOME with the gated storage closed,
// so the backup it starts stays running; prints the started job ids and waits to be killed.
// Usage: node scheduler-child.js HOME NOW
import { openEngine } from '@strongroom/engine';
import { gatedRegistry } from './gated-storage.js';

const [home, now] = process.argv.slice(2) as [string, string];
const { registry, gate } = gatedRegistry();
gate.close();
const engine = await openEngine({ home, storage: registry, now: () => Number(now) });
const report = await engine.runDueSchedules!(Number(now));
process.stdout.write(`${report.started.map((s) => String(s.jobId)).join(',')}\n`);
setInterval(() => undefined, 1 << 30);
