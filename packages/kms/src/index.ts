export { generateKeyFile } from './key-file.js';
export { localKeyId, localKmsProvider } from './local-kms.js';
export { defaultKmsRegistry, KmsRegistry } from './registry.js';
export type * from './types.js';
