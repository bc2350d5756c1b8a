// How PostgreSQL tables are named to the engine: tables of `public` by their name, others as
// `schema.name`, so `RESTORE TABLE db.t` works as on other sources and non-public tables stay distinct.
export function displayName(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

/** A SQL string literal (standard_conforming_strings is on in every session strongroom opens). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}
