// Shared by this package's tests: a URI's parameters as a provider's parser sees them, and an
// assertion on the catalogue code (and text) of what a parse throws.
import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import { type ExternalUri, parseExternalUri } from '@strongroom/uri';

/** `scheme://host/path?query` parsed, with every secret parameter of the clouds redacted. */
export const uriOf = (uri: string): ExternalUri => parseExternalUri(uri);

/** Asserts `fn` throws a StrongroomError with `code` whose message matches `text`, and returns it. */
export function fails(fn: () => unknown, code: string, text?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isStrongroomError(e), `not a StrongroomError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (text) assert.match(e.message, text);
    return true;
  });
}
