// ASSUME_ROLE (CockroachDB's role chains): a comma-separated chain whose last element is the role finally
// assumed and the earlier ones delegates assumed in order; each element `role[;external_id=ID]`.
import { StrongroomError } from '@strongroom/errors';

export interface AssumeRoleStep {
  readonly role: string;
  readonly externalId?: string;
}

export function parseAssumeRoleChain(value: string | undefined): AssumeRoleStep[] {
  if (value === undefined || value === '') return [];
  return value.split(',').map((element) => {
    const [role = '', ...opts] = element.split(';');
    if (role.trim() === '')
      throw new StrongroomError('INVALID_PARAMETER', 'ASSUME_ROLE has an empty role in its chain');
    let externalId: string | undefined;
    for (const opt of opts) {
      const eq = opt.indexOf('=');
      const name = eq < 0 ? opt : opt.slice(0, eq);
      if (name !== 'external_id' || eq < 0)
        throw new StrongroomError('INVALID_PARAMETER', `unknown ASSUME_ROLE option ${JSON.stringify(name)}`, {
          hint: 'write role[;external_id=ID], roles separated by commas',
        });
      externalId = opt.slice(eq + 1);
    }
    return externalId === undefined ? { role: role.trim() } : { role: role.trim(), externalId };
  });
}
