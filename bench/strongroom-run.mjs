// One strongroom statement in its own process (so its peak RSS can be measured): node strongroom-run.mjs
// <home> <source-uri> <statement>. Prints the result rows.
import { openEngine } from '../packages/engine/dist/index.js';

const [home, source, statement] = process.argv.slice(2);
const engine = await openEngine({ home, source });
try {
  const r = await engine.execute(statement);
  console.log(JSON.stringify(r.rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
} finally {
  await engine.close();
}
