// Redaction of URIs for display (job descriptions, logs, errors, SHOW output): secret query parameters
// keep their name with the value `redacted`, and `user:password@` loses the password. Works on the raw
// text (no URL normalisation), so the rest of the URI reads exactly as written; never throws.

/** Query parameters that always carry secrets. */
export const SECRET_URI_PARAMS: readonly string[] = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'CREDENTIALS',
  'BEARER_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_ACCOUNT_KEY',
];

/** Identifiers that merely name a key or account (not secrets even though they contain KEY). */
const PUBLIC_PARAMS = new Set(['AWS_ACCESS_KEY_ID', 'AZURE_ACCOUNT_NAME', 'KEY_ID']);

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' ')).toUpperCase();
  } catch {
    return name.toUpperCase();
  }
}

export function isSecretParam(name: string): boolean {
  const n = decodeName(name);
  if (SECRET_URI_PARAMS.includes(n)) return true;
  if (PUBLIC_PARAMS.has(n) || n.endsWith('_ID')) return false;
  return /SECRET|TOKEN|PASSWORD|KEY/.test(n);
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && isSecretParam(name) ? `${name}=redacted` : pair;
    })
    .join('&');
}

function redactUserinfo(beforeQuery: string): string {
  const schemeEnd = beforeQuery.indexOf('://');
  if (schemeEnd < 0) return beforeQuery;
  const authStart = schemeEnd + 3;
  const slash = beforeQuery.indexOf('/', authStart);
  const authEnd = slash < 0 ? beforeQuery.length : slash;
  const authority = beforeQuery.slice(authStart, authEnd);
  const at = authority.lastIndexOf('@');
  if (at < 0) return beforeQuery;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return beforeQuery;
  return (
    beforeQuery.slice(0, authStart) +
    userinfo.slice(0, colon) +
    authority.slice(at) +
    beforeQuery.slice(authEnd)
  );
}

export function redactUri(uri: string): string {
  try {
    const hash = uri.indexOf('#');
    const fragment = hash < 0 ? '' : uri.slice(hash);
    const body = hash < 0 ? uri : uri.slice(0, hash);
    const q = body.indexOf('?');
    if (q < 0) return redactUserinfo(body) + fragment;
    return `${redactUserinfo(body.slice(0, q))}?${redactQuery(body.slice(q + 1))}${fragment}`;
  } catch {
    return 'redacted';
  }
}
