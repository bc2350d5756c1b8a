// A registry of providers by URI scheme, shared by KMS, storage and sources (ProviderRegistry):
// built explicitly, nothing registers itself on import; a duplicate scheme throws; an unknown scheme
// fails with UNKNOWN_SCHEME naming it. Providers may load their SDKs lazily inside `open`.
import { StrongroomError } from '@strongroom/errors';
import { redactUri } from './redact-uri.js';
import { splitUri } from './split-uri.js';

/** What every provider declares. */
export interface SchemeProvider {
  /** Lower-case URI schemes served, e.g. ['aws', 'aws-kms']. */
  readonly schemes: readonly string[];
  /** Query parameters whose values are secrets. */
  readonly secretParams: readonly string[];
}

export class SchemeRegistry<P extends SchemeProvider> {
  readonly #byScheme = new Map<string, P>();
  readonly #secretParams = new Set<string>();

  /** `kind` names the registry in messages, e.g. 'KMS', 'storage'. */
  constructor(
    readonly kind: string,
    providers: readonly P[] = [],
  ) {
    for (const p of providers) this.register(p);
  }

  /** Adds a provider; throws INTERNAL if one of its schemes is taken (a programming error). */
  register(provider: P): void {
    for (const scheme of provider.schemes) {
      if (this.#byScheme.has(scheme.toLowerCase())) {
        throw new StrongroomError(
          'INTERNAL',
          `${this.kind} provider for scheme "${scheme}" is already registered`,
        );
      }
    }
    for (const scheme of provider.schemes) this.#byScheme.set(scheme.toLowerCase(), provider);
    for (const param of provider.secretParams) this.#secretParams.add(param);
  }

  /** Registered schemes, sorted. */
  get schemes(): string[] {
    return [...this.#byScheme.keys()].sort();
  }

  /** The union of every registered provider's secret parameters. */
  get secretParams(): string[] {
    return [...this.#secretParams];
  }

  /** The provider for `uri`'s scheme; INVALID_URI without a scheme, UNKNOWN_SCHEME when none serves it. */
  providerFor(uri: string): P {
    const raw = splitUri(uri);
    if (!raw) {
      throw new StrongroomError(
        'INVALID_URI',
        `invalid ${this.kind} URI ${JSON.stringify(this.redact(uri))}: expected scheme://…`,
      );
    }
    const scheme = raw.scheme.toLowerCase();
    const provider = this.#byScheme.get(scheme);
    if (!provider) {
      throw new StrongroomError(
        'UNKNOWN_SCHEME',
        `unsupported ${this.kind} scheme "${scheme}" in ${JSON.stringify(this.redact(uri))}`,
        { hint: `supported schemes: ${this.schemes.join(', ') || '(none)'}` },
      );
    }
    return provider;
  }

  /** `uri` with the secrets of every registered provider (and SECRET_URI_PARAMS) redacted. */
  redact(uri: string): string {
    return redactUri(uri, this.secretParams);
  }
}

/** A provider that opens what its URIs name: a KMS key, a storage root, a source. */
export interface OpeningProvider<T, C> extends SchemeProvider {
  /** Parses strictly and opens; `ctx` is what the provider needs from its environment. */
  open(uri: string, ctx: C): Promise<T>;
  /** Throws what `open` would for the URI itself, without I/O (a provider without it is checked when opened). */
  validate?(uri: string): void;
}

/** A SchemeRegistry whose providers open their URIs: the KMS, storage and source registries. */
export class ProviderRegistry<
  T,
  C,
  P extends OpeningProvider<T, C> = OpeningProvider<T, C>,
> extends SchemeRegistry<P> {
  /** Opens `uri` with its scheme's provider; an unregistered scheme fails with UNKNOWN_SCHEME naming it. */
  async open(uri: string, ctx: C): Promise<T> {
    return this.providerFor(uri).open(uri, ctx);
  }

  /** Throws what `open` would for the URI itself (scheme, syntax, parameters), without I/O or credentials. */
  validate(uri: string): void {
    this.providerFor(uri).validate?.(uri);
  }
}
