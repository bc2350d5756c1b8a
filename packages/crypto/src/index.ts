// @strongroom/crypto: data keys, the chunked AES-256-GCM file format, key wrapping, the passphrase
// recipient and ENCRYPTION-INFO. Byte layouts are specified in FORMAT.md at the repository root.
export { DATA_KEY_BYTES, generateDataKey } from './data-key.js';
export { decryptBuffer, decryptStream } from './decrypt.js';
export { type EncryptOptions, encryptBuffer, encryptStream } from './encrypt.js';
export {
  decodeEncryptionInfo,
  ENCRYPTION_INFO_VERSION,
  ENCRYPTION_SCHEME,
  type EncryptionInfo,
  encodeEncryptionInfo,
  type KmsRecipient,
} from './encryption-info.js';
export {
  appearsEncrypted,
  DEFAULT_CHUNK_SIZE,
  encryptedSize,
  HEADER_BYTES as ENCRYPTED_HEADER_BYTES,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  plaintextSize,
} from './file-format.js';
export { unwrapKey, wrapKey } from './key-wrap.js';
export {
  DEFAULT_PBKDF2_ITERATIONS,
  type PassphraseRecipient,
  unwrapWithPassphrase,
  wrapWithPassphrase,
} from './passphrase.js';
