// The one place that maps KMS URI schemes to providers. Built explicitly by whoever needs it
// (nothing registers on import); cloud providers plug in as small descriptors whose `open` imports
// their SDK lazily, so the CLI never loads an SDK it does not use.
import { SchemeRegistry } from '@strongroom/uri';
import { awsKmsProvider } from './aws-kms.js';
import { azureKmsProvider } from './azure-kms.js';
import { gcpKmsProvider } from './gcp-kms.js';
import { localKmsProvider } from './local-kms.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

export class KmsRegistry {
  readonly #providers: SchemeRegistry<KmsProvider>;

  constructor(providers: readonly KmsProvider[] = []) {
    this.#providers = new SchemeRegistry('KMS', providers);
  }

  /** Adds a provider; throws (INTERNAL) when one of its schemes is already registered. */
  register(provider: KmsProvider): void {
    this.#providers.register(provider);
  }

  /** Registered schemes, sorted. */
  get schemes(): string[] {
    return this.#providers.schemes;
  }

  /** Opens the key named by `uri`; an unregistered scheme fails with UNKNOWN_SCHEME naming it. */
  async open(uri: string, ctx: KmsContext = {}): Promise<Kms> {
    return this.#providers.providerFor(uri).open(uri, ctx);
  }

  /** Throws what `open` would for the URI itself (scheme, syntax, parameters), without I/O or credentials. */
  validate(uri: string): void {
    this.#providers.providerFor(uri).validate?.(uri);
  }

  /** `uri` with the secret parameters of every registered provider redacted. */
  redact(uri: string): string {
    return this.#providers.redact(uri);
  }
}

/** The registry of the CLI and the engine: local key files and the three clouds' KMS. */
export function defaultKmsRegistry(): KmsRegistry {
  return new KmsRegistry([localKmsProvider, awsKmsProvider, gcpKmsProvider, azureKmsProvider]);
}
