// The bucket or container of a storage URI: its host, without user info (storage only; a KMS URI
// names its key in the path). The parameters the clouds share are parsed in packages/cloud.
import { invalidUri } from '@strongroom/cloud';
import { StrongroomError } from '@strongroom/errors';
import type { ExternalUri } from '@strongroom/uri';

/** The host as a bucket/container name: `empty host component; <kind> URI must specify a target <what>`. */
export function bucketOf(u: ExternalUri, kind: string, what: string): string {
  if (u.username !== undefined) throw invalidUri(u, 'user info is not allowed');
  if (u.host === '') {
    throw new StrongroomError(
      'INVALID_URI',
      `empty host component; ${kind} URI must specify a target ${what}`,
    );
  }
  return u.host;
}
