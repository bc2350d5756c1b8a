// Redaction of URIs for display (job descriptions, logs, errors, SHOW output). The mechanism is the
// uri package's (secret parameters keep their name with the value `redacted`, `user:password@` loses
// the password, garbage never leaks); the parser adds one rule of its own: any parameter whose name
// says it holds a secret (…SECRET…, …TOKEN…, …PASSWORD…, …KEY… but not …_ID) is redacted too, since a
// statement may name a provider this build does not know.
import { redactUri as redactWith, SECRET_URI_PARAMS } from '@strongroom/uri';

export { SECRET_URI_PARAMS };

/** Identifiers that merely name a key or account (not secrets even though they contain KEY). */
const PUBLIC_PARAMS = new Set(['AWS_ACCESS_KEY_ID', 'AZURE_ACCOUNT_NAME', 'KEY_ID']);

export function isSecretParam(name: string): boolean {
  const n = name.toUpperCase();
  if (SECRET_URI_PARAMS.some((p) => p.toUpperCase() === n)) return true;
  if (PUBLIC_PARAMS.has(n) || n.endsWith('_ID')) return false;
  return /SECRET|TOKEN|PASSWORD|KEY/.test(n);
}

function secretLookingNames(uri: string): string[] {
  const q = uri.indexOf('?');
  if (q < 0) return [];
  const names: string[] = [];
  for (const pair of uri.slice(q + 1).split(/[&#]/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    if (isSecretParam(name)) names.push(name);
  }
  return names;
}

export function redactUri(uri: string): string {
  return redactWith(uri, secretLookingNames(uri));
}
