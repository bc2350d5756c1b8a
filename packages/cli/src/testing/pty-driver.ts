// Runs `strongroom sql` (the real REPL on whatever terminal it is started in) against the in-test
// engine, for the pseudo-terminal test. `SELECT sleep` waits until its signal is aborted (Ctrl-C).
// Usage: node pty-driver.js HOME
import { main } from '../index.js';
import { TestEngine } from './test-engine.js';

const engine = new TestEngine((text) => {
  if (text.startsWith('SELECT sleep')) {
    return (options) =>
      new Promise((_, reject) => {
        options?.signal?.addEventListener('abort', () => reject(new Error('query canceled')));
      });
  }
  if (text.startsWith('SELECT')) {
    return { columns: [{ name: 'n', type: 'int8' }], rows: [[7n]], tag: 'SELECT 1' };
  }
  return undefined;
});

process.exitCode = await main(['sql', '--home', process.argv[2] ?? '.'], {
  loadEngine: async () => ({ openEngine: async () => engine, defaultHome: () => '.' }),
});
