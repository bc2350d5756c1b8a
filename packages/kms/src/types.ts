// The KMS contract: something that wraps and unwraps a backup's 32-byte data key under a master key
// it never reveals. Providers are chosen by URI scheme through an explicit registry (registry.ts).

/** An open master key. */
export interface Kms {
  /**
   * Canonical, credential-free id of the master key (e.g. an AWS key ARN, a GCP key resource name
   * without version, `local:<fingerprint>`). The key of the ENCRYPTION-INFO map: the same key reached
   * with other credentials, or a key file moved elsewhere, has the same id.
   */
  readonly masterKeyId: string;
  /** The URI with its secrets redacted, for messages. */
  readonly redactedUri: string;
  /** Wraps `plaintext` (the data key). Fails with KMS_UNAVAILABLE (retryable) when unreachable. */
  encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Unwraps what `encrypt` returned. A ciphertext not made by this master key fails with WRONG_KEY;
   * an unknown, disabled or deleted key with KMS_KEY_NOT_FOUND / KMS_KEY_DISABLED.
   */
  decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** What a provider needs from its environment (injected, so tests can point SDKs at emulators). */
export interface KmsContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Forbid AUTH=implicit (CockroachDB's --external-io-disable-implicit-credentials). */
  readonly disableImplicitCredentials?: boolean;
  /** Validation only: see CloudContext.syntaxOnly in @strongroom/cloud. */
  readonly syntaxOnly?: boolean;
}

export interface KmsProvider {
  /** URI schemes this provider serves, e.g. ['aws', 'aws-kms']. */
  readonly schemes: readonly string[];
  /** Query parameters whose values are secrets (redacted everywhere). */
  readonly secretParams: readonly string[];
  /** Parses strictly (unknown parameters rejected) and opens the key; does not call the KMS yet. */
  open(uri: string, ctx: KmsContext): Promise<Kms>;
  /** Parses as `open` does, without I/O or credentials, and throws what `open` would for the URI itself. */
  /** (A provider without it, such as a test's wrapper, is checked when opened.) */
  validate?(uri: string): void;
}
