// Replaces every secret in a URI with `redacted`: values of secret query parameters (matched without
// regard to case: SECRET_URI_PARAMS, a provider's own, and any name that says it holds a secret — see
// isSecretParam) and the password of `user:password@`. Never throws: on text that is not a URI it
// still hides everything after '?' and any `user:password@`, so garbage never leaks a secret.
import { isSecretParam } from './secret-params.js';
import { joinUri, splitQuery, splitUri } from './split-uri.js';

export const REDACTED = 'redacted';

export function redactUri(uri: string, extraSecretParams: readonly string[] = []): string {
  try {
    const extra = new Set(extraSecretParams.map((p) => p.toUpperCase()));
    const isSecret = (name: string) => extra.has(name.toUpperCase()) || isSecretParam(name);
    const raw = splitUri(uri);
    if (!raw) return redactGarbage(uri);
    // `user:pa/ss@host`: an unescaped '/', '?' or '#' in a password ends the authority early.
    if (raw.authority?.includes(':') && !raw.authority.includes('@')) {
      const rest = uri.slice(raw.scheme.length + 3 + raw.authority.length);
      if (rest.includes('@')) return redactGarbage(uri);
    }
    const authority = raw.authority === undefined ? undefined : redactUserinfo(raw.authority);
    const query =
      raw.query === undefined
        ? undefined
        : splitQuery(raw.query)
            .map((p) => {
              // A pair without '=' is no parameter of ours: most likely the tail of a secret.
              if (p.rawValue === undefined) return p.raw === '' ? '' : REDACTED;
              return isSecret(safeDecode(p.rawName)) ? `${p.rawName}=${REDACTED}` : p.raw;
            })
            .join('&');
    // A fragment is never meaningful to a provider; it is most often an unescaped '#' inside a secret.
    const fragment = raw.fragment === undefined ? undefined : REDACTED;
    return joinUri({ ...raw, authority, query, fragment });
  } catch {
    return redactGarbage(String(uri));
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function redactUserinfo(authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at < 0) return authority;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return authority;
  return `${userinfo.slice(0, colon)}:${REDACTED}${authority.slice(at)}`;
}

function redactGarbage(text: string): string {
  // `x://user:secret@host`, even when the secret holds '/', '?' or '#': hide up to the last '@'.
  let out = text.replace(/\/\/([^/?#@:]*):.*@/s, `//$1:${REDACTED}@`);
  const q = out.search(/[?#]/);
  if (q >= 0) out = `${out.slice(0, q)}?${REDACTED}`;
  return out;
}
