// Which roles a dumped statement names (owner, grantees, policy roles), and the owner line split off a
// pg_dump entry: what the restore's roles check and no_owner rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { splitDump } from './pg-dump.js';
import { rolesIn } from './schema.js';

const known = new Set(['reader', 'writer', 'Odd "Role"', 'app', 'owner1']);

describe('rolesIn', () => {
  it('finds grantees, owners, FOR ROLE and policy roles, quoted or not', () => {
    assert.deepEqual(rolesIn('GRANT SELECT,INSERT ON TABLE app.film TO reader, "Odd ""Role""";', known), [
      'Odd "Role"',
      'reader',
    ]);
    assert.deepEqual(rolesIn('REVOKE ALL ON FUNCTION app.f() FROM PUBLIC;', known), []);
    assert.deepEqual(
      rolesIn(
        'ALTER DEFAULT PRIVILEGES FOR ROLE owner1 IN SCHEMA app GRANT SELECT ON TABLES  TO writer;',
        known,
      ),
      ['owner1', 'writer'],
    );
    assert.deepEqual(rolesIn('ALTER TABLE app.film OWNER TO owner1;', known), ['owner1']);
    assert.deepEqual(
      rolesIn('CREATE USER MAPPING FOR reader SERVER elsewhere OPTIONS (\n    "user" \'x\'\n);', known),
      ['reader'],
    );
    assert.deepEqual(rolesIn('GRANT UPDATE(title) ON TABLE app.film TO writer WITH GRANT OPTION;', known), [
      'writer',
    ]);
  });

  it('ignores names in expressions, schemas and roles the cluster does not have', () => {
    // `app` is a role and a schema: only the grantee position counts.
    assert.deepEqual(rolesIn('GRANT USAGE ON SCHEMA app TO nobody;', known), []);
    assert.deepEqual(
      rolesIn(
        "CREATE POLICY p ON app.film FOR SELECT TO reader USING ((m IS DISTINCT FROM writer) AND (x = 'TO app'));",
        known,
      ),
      ['reader'],
    );
  });
});

describe('splitDump', () => {
  it('splits the owner statement off an entry', () => {
    const text = [
      '--',
      '-- Name: film; Type: TABLE; Schema: app; Owner: owner1',
      '--',
      '',
      'CREATE TABLE app.film (',
      '    id integer',
      ');',
      '',
      '',
      'ALTER TABLE app.film OWNER TO owner1;',
      '',
      '--',
      '-- Name: f(); Type: FUNCTION; Schema: app; Owner: -',
      '--',
      '',
      'CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
      '',
    ].join('\n');
    const [film, f] = splitDump(text);
    assert.equal(film?.sql, 'CREATE TABLE app.film (\n    id integer\n);');
    assert.equal(film?.owner, 'ALTER TABLE app.film OWNER TO owner1;');
    assert.equal(f?.owner, undefined);
    // pg_dump 17 writes several large objects in one entry, each with its owner.
    const [los] = splitDump(
      [
        '--',
        '-- Name: LARGE OBJECTS 16001..16002; Type: BLOB METADATA; Schema: -; Owner: owner1',
        '--',
        '',
        "SELECT pg_catalog.lo_create('16001');",
        "SELECT pg_catalog.lo_create('16002');",
        'ALTER LARGE OBJECT 16001 OWNER TO owner1;',
        'ALTER LARGE OBJECT 16002 OWNER TO owner1;',
        '',
      ].join('\n'),
    );
    assert.equal(los?.sql, "SELECT pg_catalog.lo_create('16001');\nSELECT pg_catalog.lo_create('16002');");
    assert.equal(
      los?.owner,
      'ALTER LARGE OBJECT 16001 OWNER TO owner1;\nALTER LARGE OBJECT 16002 OWNER TO owner1;',
    );
    assert.match(f?.sql ?? '', /^CREATE FUNCTION/);
  });
});
