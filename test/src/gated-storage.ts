// A storage registry for tests that need a job to be still running: `gated://1/path` is nodelocal://1/path
// whose writes, and reads of data files (`*.rows`), wait while the gate is closed, so a BACKUP into it or a
// RESTORE from it really is in progress until the test opens the gate (planning, which reads manifests,
// is not held). Everything else is the default registry.
import { defaultStorageRegistry, type ExternalStorage, type StorageRegistry } from '@strongroom/storage';

export interface Gate {
  close(): void;
  open(): void;
  /** Writes waiting at the gate. */
  readonly waiting: number;
}

export function gatedRegistry(): { registry: StorageRegistry; gate: Gate } {
  let closed = false;
  let waiters: (() => void)[] = [];
  const gate: Gate = {
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      for (const w of waiters) w();
      waiters = [];
    },
    get waiting() {
      return waiters.length;
    },
  };
  const pass = (): Promise<void> => (closed ? new Promise((r) => waiters.push(r)) : Promise.resolve());
  const registry = defaultStorageRegistry();
  registry.register({
    schemes: ['gated'],
    secretParams: [],
    async open(uri, ctx): Promise<ExternalStorage> {
      const s = await registry.open(uri.replace(/^gated:/i, 'nodelocal:'), ctx);
      return {
        redactedUri: uri,
        write: async (p, d, o) => {
          await pass();
          return s.write(p, d, o);
        },
        read: async function* (p, o) {
          if (p.endsWith('.rows')) await pass();
          yield* s.read(p, o);
        },
        readAll: async (p, o) => {
          if (p.endsWith('.rows')) await pass();
          return s.readAll(p, o);
        },
        size: (p, sig) => s.size(p, sig),
        list: (p, o) => s.list(p, o),
        delete: (p, sig) => s.delete(p, sig),
      };
    },
  });
  return { registry, gate };
}
