import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flushWhileWriting } from './restore-pages.js';

describe('flushWhileWriting', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'flush-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('flushes a file being written and stops cleanly', async () => {
    const fd = openSync(join(dir(), 'f'), 'wx');
    try {
      const flushing = flushWhileWriting(fd);
      const page = Buffer.alloc(4096, 7);
      for (let i = 0; i < 2048; i++) writeSync(fd, page, 0, page.length, i * page.length);
      await flushing.stop();
      expect(() => flushing.check()).not.toThrow();
    } finally {
      closeSync(fd);
    }
  });

  it('a flush that fails is reported, not swallowed', async () => {
    // fdatasync on a FIFO fails (EINVAL): the same path as a disk that fails to write back.
    const fifo = join(dir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const flushing = flushWhileWriting(fd);
      await new Promise((r) => setTimeout(r, 20));
      await flushing.stop();
      expect(() => flushing.check()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      closeSync(fd);
    }
  });
});
