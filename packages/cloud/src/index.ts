export {
  AWS_SECRET_PARAMS,
  type AwsCredentials,
  type AwsCredentialsConfig,
  type AwsRole,
  awsCredentials,
  awsSecrets,
  classifyAwsKmsError,
  consumeAwsCredentials,
  parseAwsRoleChain,
} from './aws.js';
export {
  AZURE_SECRET_PARAMS,
  type AzureAuth,
  type AzureEnvironment,
  azureSecrets,
  azureTokenCredential,
  classifyAzureKmsError,
  consumeAzureAuth,
  consumeAzureEnvironment,
} from './azure.js';
export {
  describeCause,
  errorCodeOf,
  httpStatusOf,
  isNetworkError,
  type KmsFailure,
  kmsError,
  scrub,
  storageError,
} from './errors.js';
export {
  classifyGcpKmsError,
  consumeGcpCredentials,
  GCP_SECRET_PARAMS,
  type GcpAuthClient,
  type GcpCredentialsConfig,
  gcpAuthClient,
  gcpSecrets,
  parseGcpRoleChain,
} from './gcp.js';
export {
  type AuthMode,
  type CloudContext,
  consumeAuth,
  consumeEndpoint,
  decodeJsonObject,
  invalidUri,
  missingCredential,
  splitRoleChain,
} from './params.js';
