import assert from 'node:assert/strict';
import { type ErrorCode, isStrongroomError } from '@strongroom/errors';
import { parseStatement, type Targets } from '@strongroom/sql';
import { describe, it } from 'vitest';
import { type CatalogDb, selectTargets } from './targets.js';

const catalog: CatalogDb[] = [
  { name: 'defaultdb', tables: ['users', 'orders'] },
  { name: 'shop', tables: ['orders', 'items', 'sales.q1', 'sales.q2'] },
  { name: 'hr', tables: ['staff', 'items'] },
];

/** The targets of `BACKUP <targets> INTO …`, as the parser gives them. */
function targets(text: string): Targets | undefined {
  const s = parseStatement(`BACKUP ${text} INTO 'nodelocal://1/x'`);
  assert.equal(s.kind, 'backup');
  return s.kind === 'backup' ? s.targets : undefined;
}

function selected(text: string, what = ''): Record<string, readonly string[]> {
  const sel = selectTargets(catalog, targets(text), what);
  return Object.fromEntries(sel.databases);
}

function rejects(text: string, code: ErrorCode, message: RegExp, what = ''): void {
  assert.throws(
    () => selectTargets(catalog, targets(text), what),
    (err) => isStrongroomError(err, code) && message.test(err.message),
  );
}

describe('selectTargets', () => {
  it('selects everything without targets', () => {
    const sel = selectTargets(catalog, undefined, '');
    assert.equal(sel.coverage, 'all');
    assert.deepEqual([...sel.databases.keys()], ['defaultdb', 'shop', 'hr']);
    assert.deepEqual(sel.databases.get('shop'), ['orders', 'items', 'sales.q1', 'sales.q2']);
  });

  it('selects whole databases, and refuses one that does not exist', () => {
    const sel = selectTargets(catalog, targets('DATABASE hr, shop'), '');
    assert.equal(sel.coverage, 'databases');
    assert.deepEqual(Object.fromEntries(sel.databases), {
      hr: ['staff', 'items'],
      shop: ['orders', 'items', 'sales.q1', 'sales.q2'],
    });
    rejects(
      'DATABASE nope',
      'DATABASE_NOT_FOUND',
      /^database "nope" does not exist in the backup$/,
      ' in the backup',
    );
  });

  it('resolves an unqualified table found in one database', () => {
    assert.deepEqual(selected('TABLE staff'), { hr: ['staff'] });
  });

  it('prefers defaultdb when an unqualified name is in several databases including it', () => {
    assert.deepEqual(selected('TABLE orders'), { defaultdb: ['orders'] });
  });

  it('refuses an unqualified name in several databases without defaultdb as ambiguous, naming them', () => {
    assert.throws(
      () => selectTargets(catalog, targets('TABLE items'), ' in the backup'),
      (err) =>
        isStrongroomError(err, 'TARGET_NOT_FOUND') &&
        err.message === 'table name "items" is ambiguous in the backup: it exists in shop, hr' &&
        err.hint === 'qualify it with its database: db.table',
    );
  });

  it('refuses a table that exists nowhere, qualified or not', () => {
    rejects('TABLE nope', 'TARGET_NOT_FOUND', /^table "nope" does not exist$/);
    rejects('TABLE shop.staff', 'TARGET_NOT_FOUND', /^table "shop\.staff" does not exist$/);
    rejects('TABLE nope.*', 'DATABASE_NOT_FOUND', /^database "nope" does not exist$/);
  });

  it('reads db.schema.table and db.schema.*, treating public and main as the default schema', () => {
    assert.deepEqual(selected('TABLE shop.sales.q2'), { shop: ['sales.q2'] });
    assert.deepEqual(selected('TABLE shop.public.items'), { shop: ['items'] });
    assert.deepEqual(selected('TABLE shop.main.items'), { shop: ['items'] });
    assert.deepEqual(selected('TABLE shop.sales.*'), { shop: ['sales.q1', 'sales.q2'] });
    assert.deepEqual(selected('TABLE shop.public.*'), { shop: ['orders', 'items'] });
    rejects('TABLE shop.nope.*', 'TARGET_NOT_FOUND', /^schema "nope" does not exist \(shop\.nope\.\*\)$/);
  });

  it('db.* selects every table of the database, in catalogue order, without duplicates', () => {
    assert.deepEqual(selected('TABLE shop.*'), { shop: ['orders', 'items', 'sales.q1', 'sales.q2'] });
    assert.deepEqual(selected('TABLE shop.items, shop.*, shop.orders'), {
      shop: ['items', 'orders', 'sales.q1', 'sales.q2'],
    });
  });

  it('keeps catalogue order across targets naming tables of one database', () => {
    const sel = selectTargets(catalog, targets('TABLE shop.items, shop.orders, hr.staff'), '');
    assert.equal(sel.coverage, 'tables');
    assert.deepEqual(Object.fromEntries(sel.databases), { shop: ['items', 'orders'], hr: ['staff'] });
  });
});
