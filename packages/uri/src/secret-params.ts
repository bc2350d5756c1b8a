// Query parameters whose values are secrets in any provider's URI. Providers declare their own on top
// (KmsProvider.secretParams, StorageProvider.secretParams); registries pass those to redactUri.

/** Secret query parameters known to every redaction, whatever registry is at hand. */
export const SECRET_URI_PARAMS: readonly string[] = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'CREDENTIALS',
  'BEARER_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_ACCOUNT_KEY',
  // libpq-style source URIs (postgres://…?password=…) are shown in job records too.
  'password',
  'sslpassword',
];

/** Identifiers that merely name a key or account (not secrets even though they contain KEY). */
const PUBLIC_PARAMS = new Set(['AWS_ACCESS_KEY_ID', 'AZURE_ACCOUNT_NAME', 'KEY_ID']);

/**
 * Whether a parameter holds a secret: one of SECRET_URI_PARAMS, or any name that says it holds one
 * (…SECRET…, …TOKEN…, …PASSWORD…, …KEY… but not …_ID), since a URI may belong to a provider this
 * build does not know. Case-insensitive.
 */
export function isSecretParam(name: string): boolean {
  const n = name.toUpperCase();
  if (SECRET_URI_PARAMS.some((p) => p.toUpperCase() === n)) return true;
  if (PUBLIC_PARAMS.has(n) || n.endsWith('_ID')) return false;
  return /SECRET|TOKEN|PASSWORD|KEY/.test(n);
}

/** The parameter that places a URI of a locality-aware BACKUP. */
export const LOCALITY_PARAM = 'COCKROACH_LOCALITY';

/** Its value for the URI that receives metadata and spans of no other locality. */
export const DEFAULT_LOCALITY = 'default';
