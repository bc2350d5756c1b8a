import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { describe, it } from 'vitest';
import { ProviderRegistry, SchemeRegistry } from './scheme-registry.js';

const a = { schemes: ['a', 'a-alias'], secretParams: ['A_SECRET'], name: 'a' };
const b = { schemes: ['b'], secretParams: ['B_SECRET'], name: 'b' };

describe('SchemeRegistry', () => {
  it('finds providers by scheme, case-insensitively, aliases included', () => {
    const r = new SchemeRegistry('test', [a, b]);
    assert.equal(r.providerFor('a://x').name, 'a');
    assert.equal(r.providerFor('A-ALIAS://x').name, 'a');
    assert.equal(r.providerFor('b:///y').name, 'b');
    assert.deepEqual(r.schemes, ['a', 'a-alias', 'b']);
  });

  it('throws on a duplicate scheme', () => {
    const r = new SchemeRegistry('test', [a]);
    assert.throws(
      () => r.register({ schemes: ['c', 'A'], secretParams: [], name: 'dup' }),
      (e: unknown) => isStrongroomError(e, 'INTERNAL') && /scheme "A" is already registered/.test(e.message),
    );
    // Nothing of the rejected provider was registered.
    assert.throws(
      () => r.providerFor('c://x'),
      (e: unknown) => isStrongroomError(e, 'UNKNOWN_SCHEME'),
    );
  });

  it('fails on an unknown scheme with a code and message naming it', () => {
    const r = new SchemeRegistry('test', [a]);
    assert.throws(
      () => r.providerFor('zzz://h/p?A_SECRET=hush'),
      (e: unknown) =>
        isStrongroomError(e, 'UNKNOWN_SCHEME') &&
        e.message.includes('"zzz"') &&
        !e.message.includes('hush') &&
        e.hint === 'supported schemes: a, a-alias',
    );
    assert.throws(
      () => r.providerFor('/just/a/path'),
      (e: unknown) => isStrongroomError(e, 'INVALID_URI'),
    );
  });

  it('redacts with the secret parameters of every provider', () => {
    const r = new SchemeRegistry('test', [a, b]);
    assert.equal(
      r.redact('x://h?A_SECRET=1&B_SECRET=2&CREDENTIALS=3&OK=4'),
      'x://h?A_SECRET=redacted&B_SECRET=redacted&CREDENTIALS=redacted&OK=4',
    );
  });
});

describe('ProviderRegistry', () => {
  const opener = (name: string, schemes: string[]) => ({
    schemes,
    secretParams: [],
    open: async (uri: string, ctx: { n: number }) => `${name} ${uri} ${ctx.n}`,
    validate: (uri: string) => {
      if (uri.includes('bad')) throw new Error(`${name} refuses ${uri}`);
    },
  });
  const r = new ProviderRegistry('test', [opener('one', ['one']), opener('two', ['two', 'deux'])]);

  it('opens with the provider of the scheme, passing the context', async () => {
    assert.equal(await r.open('one://x', { n: 1 }), 'one one://x 1');
    assert.equal(await r.open('DEUX://y', { n: 2 }), 'two DEUX://y 2');
  });

  it('rejects an unknown scheme (a rejected promise, never a synchronous throw)', async () => {
    const opened = r.open('three://x', { n: 3 });
    await assert.rejects(opened, (e: unknown) => isStrongroomError(e, 'UNKNOWN_SCHEME'));
  });

  it('validates with the provider of the scheme', () => {
    r.validate('two://fine');
    assert.throws(() => r.validate('two://bad'), /two refuses/);
    assert.throws(
      () => r.validate('nine://x'),
      (e: unknown) => isStrongroomError(e, 'UNKNOWN_SCHEME'),
    );
  });
});
