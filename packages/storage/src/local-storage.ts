// ExternalStorage on a local directory (nodelocal:// and file://). A write streams into a hidden
// temporary file beside the target, is fsynced, then hard-linked into place: link() fails if the
// name exists, which makes "appear only when complete" and "never overwrite" one atomic step.
// A confined store (nodelocal://) checks every path it touches after resolving symlinks, so a link
// inside the external IO directory cannot lead a read or a write outside it.
import { randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import { aborted, errnoOf, fsError } from './fs-errors.js';
import { checkObjectPath, checkPrefix, compareNames, rollUp } from './object-path.js';
import type { ExternalStorage, ListOptions, ReadOptions, WriteOptions } from './types.js';

/** Temporary files start with this; listings never show them. */
export const TEMP_PREFIX = '.strongroom-tmp-';
/** Bytes per read chunk: the memory bound of a streamed read. */
const READ_CHUNK = 256 * 1024;

export class LocalFileStorage implements ExternalStorage {
  /**
   * `root`: absolute directory, created on the first write. `confine`: a directory no path may resolve
   * outside of, symlinks followed (the external IO directory of nodelocal://).
   */
  constructor(
    readonly root: string,
    readonly redactedUri: string,
    readonly confine?: string,
  ) {}

  #realConfine: string | undefined;

  /**
   * The confinement root with its symbolic links resolved, once found (it is the operator's external IO
   * directory, not something a statement changes); the root as given while it does not exist.
   */
  async #confineRoot(): Promise<string> {
    const confine = this.confine as string;
    if (this.#realConfine !== undefined) return this.#realConfine;
    try {
      this.#realConfine = await realpath(confine);
      return this.#realConfine;
    } catch {
      return confine;
    }
  }

  /** Throws unless `file` (or, where it does not exist yet, its nearest existing ancestor) is confined. */
  async #checkConfined(file: string, path: string): Promise<void> {
    if (this.confine === undefined) return;
    const confine = this.confine;
    let p = file;
    for (;;) {
      // Above the confinement root nothing under it exists yet: what is created will be real directories.
      if (!isInside(confine, p)) return;
      try {
        const real = await realpath(p);
        const root = await this.#confineRoot();
        if (isInside(root, real)) return;
        break;
      } catch (err) {
        const code = errnoOf(err);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fsError(err, 'resolve', path, this.redactedUri);
        const up = dirname(p);
        if (up === p) return;
        p = up;
      }
    }
    throw this.#outside(path);
  }

  #outside(path: string): StrongroomError {
    return new StrongroomError(
      'STORAGE_PERMISSION',
      `${path} in ${this.redactedUri} resolves outside the external IO directory (through a symbolic link); refused`,
    );
  }

  async write(
    path: string,
    data: AsyncIterable<Uint8Array> | Uint8Array,
    options: WriteOptions = {},
  ): Promise<number> {
    const target = this.#file(path);
    const { signal } = options;
    const fail = (err: unknown) => fsError(err, 'write', path, this.redactedUri);
    const exists = () =>
      new StrongroomError('STORAGE_ALREADY_EXISTS', `object ${path} already exists in ${this.redactedUri}`);
    if (signal?.aborted) throw aborted('write', path, this.redactedUri, signal.reason);
    if ((await this.size(path)) !== undefined) throw exists();
    await this.#checkConfined(target, path);
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (err) {
      throw fail(err);
    }
    await this.#checkConfined(dirname(target), path);
    const temp = join(dirname(target), `${TEMP_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', 0o644);
      let written = 0;
      for await (const chunk of data instanceof Uint8Array ? [data] : data) {
        if (signal?.aborted) throw aborted('write', path, this.redactedUri, signal.reason);
        await handle.write(chunk);
        written += chunk.length;
      }
      if (signal?.aborted) throw aborted('write', path, this.redactedUri, signal.reason);
      await handle.datasync();
      await handle.close();
      handle = undefined;
      try {
        await link(temp, target);
      } catch (err) {
        if (errnoOf(err) === 'EEXIST') throw exists();
        throw err;
      }
      await syncDir(dirname(target));
      return written;
    } catch (err) {
      throw fail(err);
    } finally {
      await handle?.close().catch(() => {});
      await unlink(temp).catch(() => {});
    }
  }

  async *read(path: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const file = this.#file(path);
    const { signal } = options;
    const offset = options.offset ?? 0;
    const isCount = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
    if (!isCount(offset) || !isCount(options.length)) throw badRange(path, options);
    await this.#checkConfined(file, path);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      throw fsError(err, 'read', path, this.redactedUri);
    }
    try {
      const size = (await handle.stat()).size;
      const end = options.length === undefined ? size : offset + options.length;
      if (offset > size || end > size) {
        throw new StrongroomError(
          'STORAGE_IO',
          `cannot read bytes ${offset}..${end} of ${path} in ${this.redactedUri}: the object has ${size} bytes`,
        );
      }
      yield* this.#readRange(handle, path, offset, end, signal);
    } catch (err) {
      throw fsError(err, 'read', path, this.redactedUri);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  /** Bytes [pos, end) of an open file, in chunks of at most READ_CHUNK. */
  async *#readRange(
    handle: FileHandle,
    path: string,
    pos: number,
    end: number,
    signal: AbortSignal | undefined,
  ): AsyncIterable<Uint8Array> {
    while (pos < end) {
      if (signal?.aborted) throw aborted('read', path, this.redactedUri, signal.reason);
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos));
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) {
        throw new StrongroomError(
          'STORAGE_IO',
          `object ${path} in ${this.redactedUri} shrank while being read`,
        );
      }
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  }

  /**
   * The object's file with every symbolic link resolved (checked inside the external IO directory), so the
   * reader that opens it later follows no link planted since (readLocalFile opens it with O_NOFOLLOW).
   */
  async localFile(path: string, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw aborted('read', path, this.redactedUri, signal.reason);
    const file = this.#file(path);
    await this.#checkConfined(file, path);
    let real: string;
    try {
      real = await realpath(file);
    } catch (err) {
      throw fsError(err, 'read', path, this.redactedUri);
    }
    if (this.confine !== undefined && !isInside(await this.#confineRoot(), real)) throw this.#outside(path);
    return real;
  }

  async readAll(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.read(path, options)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async size(path: string, signal?: AbortSignal): Promise<number | undefined> {
    const file = this.#file(path);
    signal?.throwIfAborted();
    await this.#checkConfined(file, path);
    try {
      const st = await stat(file);
      return st.isFile() ? st.size : undefined;
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw fsError(err, 'stat', path, this.redactedUri);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    checkPrefix(prefix);
    // Only the directory holding the prefix can contain matches.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const names: string[] = [];
    await this.#checkConfined(join(this.root, ...base.split('/').filter(Boolean)), prefix || '/');
    await this.#walk(base, names, options.signal);
    const matching = names.filter((n) => n.startsWith(prefix)).sort(compareNames);
    yield* rollUp(matching, prefix, options.delimiter);
  }

  async delete(path: string, signal?: AbortSignal): Promise<void> {
    const file = this.#file(path);
    signal?.throwIfAborted();
    await this.#checkConfined(dirname(file), path);
    try {
      await unlink(file);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return;
      throw fsError(err, 'delete', path, this.redactedUri);
    }
  }

  /**
   * Removes hidden temporary files that no write will ever finish: their writing process (named in the
   * file name) is gone, or they are older than `maxAgeMs`. Returns how many were removed.
   */
  async removeStaleTemporaries(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await visit(p);
        else if (e.isFile() && e.name.startsWith(TEMP_PREFIX) && (await removeIfStale(p, e.name, maxAgeMs)))
          removed++;
      }
    };
    await this.#checkConfined(this.root, '/');
    await visit(this.root);
    return removed;
  }

  #file(path: string): string {
    return join(this.root, ...checkObjectPath(path).split('/'));
  }

  async #walk(rel: string, out: string[], signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(rel === '' ? this.root : join(this.root, ...rel.split('/').filter(Boolean)), {
        withFileTypes: true,
      });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
      throw fsError(err, 'list', rel === '' ? '/' : rel, this.redactedUri);
    }
    for (const e of entries) {
      if (e.name.startsWith(TEMP_PREFIX)) continue;
      if (e.isDirectory()) await this.#walk(`${rel}${e.name}/`, out, signal);
      else if (e.isFile()) out.push(`${rel}${e.name}`);
    }
  }
}

function badRange(path: string, options: ReadOptions): StrongroomError {
  return new StrongroomError(
    'INVALID_PARAMETER',
    `invalid byte range (offset ${options.offset}, length ${options.length}) for ${path}`,
  );
}

/** Makes a new directory entry durable; best effort where directories cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // Some platforms and filesystems refuse fsync on directories; the data itself is synced.
  } finally {
    await h?.close().catch(() => {});
  }
}

/** True when `child` is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Removes the temporary file `p` (named `name`) when no write will finish it: its writing process (in
 * the name) is gone, or it is older than `maxAgeMs`. Whether it was removed.
 */
async function removeIfStale(p: string, name: string, maxAgeMs: number): Promise<boolean> {
  const pid = Number(/^\D*(\d+)-/.exec(name.slice(TEMP_PREFIX.length))?.[1] ?? Number.NaN);
  const dead = Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid);
  const old = await stat(p).then(
    (st) => Date.now() - st.mtimeMs > maxAgeMs,
    () => false,
  );
  if (!dead && !old) return false;
  return unlink(p).then(
    () => true,
    () => false,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}
