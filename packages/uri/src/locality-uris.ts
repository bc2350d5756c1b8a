// The URI list of a (possibly locality-aware) BACKUP, after CockroachDB's GetURIsByLocalityKV
// (CockroachDB's GetURIsByLocalityKV in pkg/backup), with its error messages word for word. COCKROACH_LOCALITY is stripped from every
// URI returned, so storage providers never see it.
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from './parse-external-uri.js';
import { DEFAULT_LOCALITY, LOCALITY_PARAM } from './secret-params.js';
import { stripUriParam } from './strip-param.js';

export interface LocalityUris {
  /** Receives metadata and every span whose locality has no URI of its own. */
  readonly defaultUri: string;
  /** Single-tier locality (`region=eu`) → its URI. Empty unless localityAware. */
  readonly byLocality: ReadonlyMap<string, string>;
  /** True when more than one URI was given. */
  readonly localityAware: boolean;
}

const invalid = (message: string): StrongroomError => new StrongroomError('INVALID_LOCALITY', message);

export function parseLocalityUris(uris: readonly string[]): LocalityUris {
  if (uris.length === 0) throw new StrongroomError('INVALID_URI', 'no backup location given');
  return uris.length === 1 ? singleLocation(uris[0]!) : partitionedLocations(uris);
}

/** One URI: the default location, with COCKROACH_LOCALITY absent or `default`. */
function singleLocation(uri: string): LocalityUris {
  const locality = localityOf(uri);
  if (locality !== '' && locality !== DEFAULT_LOCALITY) {
    throw invalid(`${LOCALITY_PARAM} ${locality} is invalid for a single BACKUP location`);
  }
  return { defaultUri: stripUriParam(uri, LOCALITY_PARAM), byLocality: new Map(), localityAware: false };
}

/** Several URIs: each names its locality, exactly one is the default, no locality twice. */
function partitionedLocations(uris: readonly string[]): LocalityUris {
  let defaultUri: string | undefined;
  const byLocality = new Map<string, string>();
  for (const uri of uris) {
    const locality = localityOf(uri);
    const base = stripUriParam(uri, LOCALITY_PARAM);
    if (locality === '') {
      throw invalid(
        `multiple URLs are provided for partitioned BACKUP, but ${LOCALITY_PARAM} is not specified`,
      );
    }
    if (locality === DEFAULT_LOCALITY) {
      if (defaultUri !== undefined) throw invalid('multiple default URLs provided for partition backup');
      defaultUri = base;
      continue;
    }
    checkTier(locality);
    if (byLocality.has(locality)) throw invalid(`duplicate URIs for locality ${locality}`);
    byLocality.set(locality, base);
  }
  if (defaultUri === undefined) throw invalid('no default URL provided for partitioned backup');
  return { defaultUri, byLocality, localityAware: true };
}

function localityOf(uri: string): string {
  return parseExternalUri(uri).params.consume(LOCALITY_PARAM) ?? '';
}

/**
 * CockroachDB's roachpb.Tier.FromString: exactly one '=' with text on both sides. A ',' is refused
 * too (CockroachDB lets `a=b,c` through as the value `b,c`), since a multi-tier key could never match.
 */
function checkTier(locality: string): void {
  const parts = locality.split('=');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || locality.includes(',')) {
    throw invalid(
      `failed to parse backup locality: tier must be in the form "key=value" not ${JSON.stringify(locality)}`,
    );
  }
}

/**
 * The tier of `localityTiers` (`region=eu,zone=eu-1a`) that decides where its data goes: the most
 * specific one (the last) that has a URI; undefined when none has.
 */
export function matchLocalityTier(
  localityTiers: string,
  byLocality: ReadonlyMap<string, string>,
): string | undefined {
  const tiers = localityTiers
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (let i = tiers.length - 1; i >= 0; i--) {
    if (byLocality.has(tiers[i]!)) return tiers[i];
  }
  return undefined;
}

/**
 * The URI of the matching tier (see matchLocalityTier); undefined when none matches (the caller falls
 * back to the default URI, or fails under `strict storage locality`).
 */
export function matchLocality(
  localityTiers: string,
  byLocality: ReadonlyMap<string, string>,
): string | undefined {
  const tier = matchLocalityTier(localityTiers, byLocality);
  return tier === undefined ? undefined : byLocality.get(tier);
}
