export { type LocalityUris, matchLocality, matchLocalityTier, parseLocalityUris } from './locality-uris.js';
export { type ExternalUri, parseExternalUri } from './parse-external-uri.js';
export { REDACTED, redactUri } from './redact-uri.js';
export {
  type OpeningProvider,
  ProviderRegistry,
  type SchemeProvider,
  SchemeRegistry,
} from './scheme-registry.js';
export { DEFAULT_LOCALITY, isSecretParam, LOCALITY_PARAM, SECRET_URI_PARAMS } from './secret-params.js';
export { stripUriParam } from './strip-param.js';
export { UriParams } from './uri-params.js';
