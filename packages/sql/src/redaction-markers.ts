// Finds the redaction markers of a statement: a passphrase that is `*****`, or a URI whose password or
// secret parameter is `redacted` (or `*****`). That is what the formatter, history and job records write
// in place of a secret, so such a statement was recalled or copied from a redacted form and must not run:
// a backup would be encrypted under the literal marker. `withPassphrase` puts a retyped secret back.

import { isSecretParam } from '@strongroom/uri';
import type { Statement, StringValue } from './ast.js';

const MARKERS = new Set(['*****', 'redacted']);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when `uri` shows a redaction marker where a secret belongs. */
export function uriHasMarker(uri: string): boolean {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(uri)?.[1];
  if (userinfo?.includes(':') && MARKERS.has(safeDecode(userinfo.slice(userinfo.indexOf(':') + 1))))
    return true;
  const q = uri.indexOf('?');
  if (q < 0) return false;
  return uri
    .slice(q + 1)
    .split(/[&#]/)
    .some((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return MARKERS.has(safeDecode(pair));
      return isSecretParam(safeDecode(pair.slice(0, eq))) && MARKERS.has(safeDecode(pair.slice(eq + 1)));
    });
}

export interface RedactionMarker {
  /** `encryption_passphrase`, or `URI` for a storage or KMS URI. */
  readonly where: 'encryption_passphrase' | 'URI';
}

function uris(values: readonly (StringValue | undefined)[]): RedactionMarker[] {
  return values.some((v) => v?.kind === 'string' && uriHasMarker(v.value)) ? [{ where: 'URI' }] : [];
}

/** The redaction markers in `ast` (bound: placeholders are not looked at). */
export function redactionMarkers(ast: Statement): RedactionMarker[] {
  switch (ast.kind) {
    case 'explain':
      return redactionMarkers(ast.statement);
    case 'backup':
    case 'restore':
    case 'show_backup': {
      const o = ast.options;
      const pass = o.encryptionPassphrase;
      const found =
        pass?.kind === 'string' && MARKERS.has(pass.value)
          ? [{ where: 'encryption_passphrase' } as const]
          : [];
      const locations = ast.kind === 'backup' ? ast.destination.uris : ast.uris;
      return [...found, ...uris([...locations, ...(o.kms ?? []), ...(o.incrementalLocation ?? [])])];
    }
    case 'show_backups':
    case 'expire_backups':
      return uris(ast.uris);
    case 'alter_backup':
      return uris([ast.backup, ast.collection, ...ast.commands.flatMap((c) => [...c.newKms, ...c.oldKms])]);
    case 'create_external_connection':
      return uris([ast.uri]);
    case 'show_backup_connection':
      return uris([ast.uri]);
    case 'create_schedule':
      return redactionMarkers(ast.backup);
    case 'alter_backup_schedule':
      return ast.commands.flatMap((c): RedactionMarker[] => {
        if (c.kind === 'set_into') return uris(c.uris);
        if (c.kind !== 'set_with') return [];
        const pass = c.options.encryptionPassphrase;
        return [
          ...(pass?.kind === 'string' && MARKERS.has(pass.value)
            ? [{ where: 'encryption_passphrase' } as const]
            : []),
          ...uris(c.options.kms ?? []),
        ];
      });
    default:
      // Job, schedule and catalog statements hold no secret.
      return [];
  }
}

/** `ast` with its passphrase replaced by `passphrase` (for a statement whose passphrase was redacted). */
export function withPassphrase(ast: Statement, passphrase: string): Statement {
  const value: StringValue = { kind: 'string', value: passphrase };
  switch (ast.kind) {
    case 'explain':
      return { ...ast, statement: withPassphrase(ast.statement, passphrase) as typeof ast.statement };
    case 'backup':
      return { ...ast, options: { ...ast.options, encryptionPassphrase: value } };
    case 'restore':
      return { ...ast, options: { ...ast.options, encryptionPassphrase: value } };
    case 'show_backup':
      return { ...ast, options: { ...ast.options, encryptionPassphrase: value } };
    default:
      return ast;
  }
}
