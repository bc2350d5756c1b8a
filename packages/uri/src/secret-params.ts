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

/** The parameter that places a URI of a locality-aware BACKUP. */
export const LOCALITY_PARAM = 'COCKROACH_LOCALITY';

/** Its value for the URI that receives metadata and spans of no other locality. */
export const DEFAULT_LOCALITY = 'default';
