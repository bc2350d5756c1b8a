// The users file of `strongroom serve`: one user per line, `name SCRAM-SHA-256$…` (PostgreSQL's
// verifier format), `#` comments. It holds salted verifiers only, never a password; adding a user
// rewrites the file with mode 0600.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import { formatVerifier, makeVerifier, parseVerifier, type ScramVerifier } from './scram.js';

export type UserDirectory = ReadonlyMap<string, ScramVerifier>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$/;

export function parseUsers(text: string, file = 'users file'): Map<string, ScramVerifier> {
  const users = new Map<string, ScramVerifier>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [name, verifier, extra] = line.split(/\s+/);
    const v = verifier === undefined ? undefined : parseVerifier(verifier);
    if (!name || !NAME.test(name) || !v || extra !== undefined)
      throw new StrongroomError('INVALID_PARAMETER', `${file}:${i + 1}: expected "name SCRAM-SHA-256$…"`);
    users.set(name, v);
  });
  return users;
}

export function loadUsers(path: string): Map<string, ScramVerifier> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new StrongroomError('INVALID_PARAMETER', `cannot read users file ${path}`, { cause: err });
  }
  return parseUsers(text, path);
}

/** Adds or replaces `name` with a fresh verifier of `password`; returns whether it replaced one. */
export function addUser(path: string, name: string, password: string): boolean {
  if (!NAME.test(name)) throw new StrongroomError('INVALID_PARAMETER', `invalid user name "${name}"`);
  if (password.length === 0) throw new StrongroomError('INVALID_PARAMETER', 'the password must not be empty');
  const users = loadUsers(path);
  const replaced = users.has(name);
  users.set(name, makeVerifier(password));
  const lines = ['# strongroom serve users: name and SCRAM-SHA-256 verifier (salted; no passwords)'];
  for (const [n, v] of users) lines.push(`${n} ${formatVerifier(v)}`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return replaced;
}
