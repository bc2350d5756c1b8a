// CREATE / SHOW / DROP EXTERNAL CONNECTION and SHOW BACKUP CONNECTION. A connection's URI is checked when it
// is created (its provider parses it strictly) and stored as given in the state store; SHOW prints it
// redacted. SHOW BACKUP CONNECTION writes, reads back and deletes one object, as CockroachDB's check does.
import { randomBytes } from 'node:crypto';
import { StrongroomError } from '@strongroom/errors';
import type { ResultColumn, ResultSet } from '@strongroom/sources';
import type {
  CreateExternalConnectionStatement,
  DropExternalConnectionStatement,
  ShowBackupConnectionStatement,
  ShowExternalConnectionsStatement,
} from '@strongroom/sql';
import { parseExternalUri } from '@strongroom/uri';
import type { EngineContext } from '../context.js';
import type { StateStore } from '../state/state-store.js';
import { str } from '../statements/values.js';
import { EXTERNAL_SCHEME } from './external-uri.js';

export const CONNECTION_COLUMNS: readonly ResultColumn[] = [
  { name: 'connection_name', type: 'text' },
  { name: 'connection_uri', type: 'text' },
  { name: 'connection_type', type: 'text' },
];

/** CockroachDB's columns of CHECK EXTERNAL CONNECTION / SHOW BACKUP CONNECTION. */
export const CHECK_COLUMNS: readonly ResultColumn[] = [
  { name: 'node', type: 'int8' },
  { name: 'locality', type: 'text' },
  { name: 'ok', type: 'bool' },
  { name: 'error', type: 'text' },
  { name: 'transferred', type: 'text' },
  { name: 'read_speed', type: 'text' },
  { name: 'write_speed', type: 'text' },
  { name: 'can_delete', type: 'bool' },
];

/** Bytes written and read back by SHOW BACKUP CONNECTION (CockroachDB's default is 32 MiB). */
const CHECK_BYTES = 1 << 20;

function connectionName(v: Parameters<typeof str>[0]): string {
  const name = str(v);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name))
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `invalid external connection name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-'`,
    );
  return name;
}

/** STORAGE or KMS, from the scheme (gs:// is both: a KMS key has no bucket, `gs:///projects/…`). */
function connectionType(ctx: EngineContext, uri: string): 'STORAGE' | 'KMS' {
  const u = parseExternalUri(uri);
  if (u.scheme === EXTERNAL_SCHEME)
    throw new StrongroomError(
      'INVALID_URI',
      'an external connection cannot name another external connection',
    );
  const storage = ctx.storage.schemes.includes(u.scheme);
  const kms = ctx.kms.schemes.includes(u.scheme);
  if (storage && kms) return u.host === '' ? 'KMS' : 'STORAGE';
  if (storage) return 'STORAGE';
  if (kms) return 'KMS';
  throw new StrongroomError(
    'UNKNOWN_SCHEME',
    `unsupported URI scheme "${u.scheme}" for an external connection`,
    {
      hint: `storage: ${ctx.storage.schemes.join(', ')}; KMS: ${ctx.kms.schemes.join(', ')}`,
    },
  );
}

function redacted(ctx: EngineContext, uri: string, type: 'STORAGE' | 'KMS'): string {
  return type === 'KMS' ? ctx.kms.redact(uri) : ctx.storage.redact(uri);
}

export async function createConnection(
  ctx: EngineContext,
  state: StateStore,
  ast: CreateExternalConnectionStatement,
): Promise<ResultSet> {
  const name = connectionName(ast.name);
  const uri = str(ast.uri);
  const type = connectionType(ctx, uri);
  // Parse strictly now (unknown parameters, missing credentials), so a bad URI fails here, not at 2 a.m.
  if (type === 'KMS') await (await ctx.kms.open(uri, ctx.kmsCtx)).close?.();
  else await (await ctx.storage.open(uri, ctx.storageCtx)).close?.();
  if (!(await state.createConnection({ name, uri, type, owner: ctx.user })) && !ast.ifNotExists)
    throw new StrongroomError('CONNECTION_EXISTS', `external connection with name ${name} already exists`);
  return { columns: [], rows: [], tag: 'CREATE EXTERNAL CONNECTION' };
}

export async function showConnections(
  ctx: EngineContext,
  state: StateStore,
  ast: ShowExternalConnectionsStatement,
): Promise<ResultSet> {
  const all =
    ast.name === undefined
      ? await state.connections()
      : [await state.connection(connectionName(ast.name))].filter((c) => c !== undefined);
  if (ast.name !== undefined && all.length === 0)
    throw new StrongroomError('CONNECTION_NOT_FOUND', `external connection ${str(ast.name)} does not exist`);
  return {
    columns: [...CONNECTION_COLUMNS],
    rows: all.map((c) => [c.name, redacted(ctx, c.uri, c.type), c.type]),
    tag: 'SHOW EXTERNAL CONNECTIONS',
  };
}

/** Refused while a schedule's command names the connection (its next run would fail). */
export async function dropConnection(
  state: StateStore,
  ast: DropExternalConnectionStatement,
): Promise<ResultSet> {
  const name = connectionName(ast.name);
  if ((await state.connection(name)) === undefined)
    throw new StrongroomError('CONNECTION_NOT_FOUND', `external connection ${name} does not exist`);
  const users = (await state.schedules()).filter((s) => usesConnection(s.command, name));
  if (users.length > 0)
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `external connection ${name} is used by schedule ${users.map((s) => s.id).join(', ')}`,
      { hint: 'DROP SCHEDULE those first' },
    );
  await state.dropConnection(name);
  return { columns: [], rows: [], tag: 'DROP EXTERNAL CONNECTION' };
}

function usesConnection(command: string, name: string): boolean {
  const re = /'external:\/\/([^/?'#]*)/gi;
  for (const m of command.matchAll(re)) if (decodeURIComponent(m[1]!) === name) return true;
  return false;
}

function rate(bytes: number, ms: number): string {
  return `${((bytes / 1048576) * (1000 / Math.max(ms, 1))).toFixed(1)} MiB/s`;
}

/** Writes, reads back and deletes one object; a failure is a row with ok = false, not an error. */
export async function showBackupConnection(
  ctx: EngineContext,
  ast: ShowBackupConnectionStatement,
  signal?: AbortSignal,
): Promise<ResultSet> {
  const uri = str(ast.uri);
  const data = randomBytes(CHECK_BYTES);
  const name = `.strongroom-connection-check-${randomBytes(8).toString('hex')}`;
  let ok = false;
  let error = '';
  let canDelete = false;
  let readSpeed = '';
  let writeSpeed = '';
  let transferred = '';
  try {
    const store = await ctx.storage.open(uri, ctx.storageCtx);
    try {
      const t0 = Date.now();
      await store.write(name, data, { signal });
      const t1 = Date.now();
      const back = await store.readAll(name, { signal });
      const t2 = Date.now();
      if (!Buffer.from(back).equals(data))
        throw new StrongroomError('CORRUPTED', 'the object read back differs from the one written');
      writeSpeed = rate(data.length, t1 - t0);
      readSpeed = rate(data.length, t2 - t1);
      transferred = '1.0 MiB';
      await store.delete(name, signal);
      canDelete = (await store.size(name, signal)) === undefined;
      ok = canDelete;
      if (!canDelete) error = 'the test object is still there after it was deleted';
    } finally {
      await store.close?.();
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  return {
    columns: [...CHECK_COLUMNS],
    rows: [[1n, ctx.locality, ok, error, transferred, readSpeed, writeSpeed, canDelete]],
    tag: 'SHOW BACKUP CONNECTION',
  };
}
