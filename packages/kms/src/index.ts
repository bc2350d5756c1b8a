export { type AwsKmsConfig, awsKmsProvider, parseAwsKmsUri } from './aws-kms.js';
export { type AzureKmsConfig, azureKmsProvider, azureMasterKeyId, parseAzureKmsUri } from './azure-kms.js';
export { crc32c } from './crc32c.js';
export { type GcpKmsConfig, gcpKmsProvider, parseGcpKmsUri } from './gcp-kms.js';
export { generateKeyFile } from './key-file.js';
export { localKeyId, localKmsProvider } from './local-kms.js';
export { defaultKmsRegistry, KmsRegistry } from './registry.js';
export type * from './types.js';
