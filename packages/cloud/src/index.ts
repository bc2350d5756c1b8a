// @strongroom/cloud: what the three clouds' KMS and storage providers share — one module per cloud
// (URI parameters, credentials and role chains, environments and endpoints, error mapping), and the
// parameters and SDK error shapes all clouds have in common.
export * from './aws.js';
export * from './azure.js';
export * from './errors.js';
export * from './gcp.js';
export * from './params.js';
