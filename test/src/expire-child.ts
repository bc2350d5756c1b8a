// A process that runs one EXPIRE BACKUPS and kills itself (SIGKILL) at its Nth storage delete, so a test can
// see what an expiry interrupted at that point leaves. Usage: node expire-child.js HOME COLLECTION STATEMENT N:
// COLLECTION (under the external IO directory) is reached as external://COLLECTION through the `killing`
// scheme; N = 0: never killed, and the number of deletes made is printed when it completes.
import { openEngine } from '@strongroom/engine';
import { defaultStorageRegistry, type ExternalStorage } from '@strongroom/storage';

const [home, collection, statement, nth] = process.argv.slice(2) as [string, string, string, string];
const killAt = Number(nth);
let deletes = 0;
const inner = defaultStorageRegistry();
const registry = defaultStorageRegistry();
registry.register({
  schemes: ['killing'],
  secretParams: [],
  async open(uri, ctx): Promise<ExternalStorage> {
    const s = await inner.open(uri.replace(/^killing:/i, 'nodelocal:'), ctx);
    return {
      redactedUri: uri,
      write: (p, d, o) => s.write(p, d, o),
      read: (p, o) => s.read(p, o),
      readAll: (p, o) => s.readAll(p, o),
      size: (p, sig) => s.size(p, sig),
      list: (p, o) => s.list(p, o),
      delete: async (p, sig) => {
        if (++deletes === killAt) process.kill(process.pid, 'SIGKILL');
        return s.delete(p, sig);
      },
    };
  },
});
const engine = await openEngine({ home, storage: registry });
await engine.execute(`CREATE EXTERNAL CONNECTION ${collection} AS 'killing://1/${collection}'`);
await engine.execute(statement);
await engine.close();
process.stdout.write(`${deletes}\n`);
