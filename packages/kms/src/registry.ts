// The one place that maps KMS URI schemes to providers. Built explicitly by whoever needs it
// (nothing registers on import); cloud providers plug in as small descriptors whose `open` imports
// their SDK lazily, so the CLI never loads an SDK it does not use.
import { ProviderRegistry } from '@strongroom/uri';
import { awsKmsProvider } from './aws-kms.js';
import { azureKmsProvider } from './azure-kms.js';
import { gcpKmsProvider } from './gcp-kms.js';
import { localKmsProvider } from './local-kms.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

export class KmsRegistry extends ProviderRegistry<Kms, KmsContext, KmsProvider> {
  constructor(providers: readonly KmsProvider[] = []) {
    super('KMS', providers);
  }

  /** Opens the key named by `uri`; does not call the KMS yet. */
  override open(uri: string, ctx: KmsContext = {}): Promise<Kms> {
    return super.open(uri, ctx);
  }
}

/** The registry of the CLI and the engine: local key files and the three clouds' KMS. */
export function defaultKmsRegistry(): KmsRegistry {
  return new KmsRegistry([localKmsProvider, awsKmsProvider, gcpKmsProvider, azureKmsProvider]);
}
