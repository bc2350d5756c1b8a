// Decodes the bodies of CockroachDB string literals: `'…'` (only '' is special), `e'…'` (backslash
// escapes, as CockroachDB's scanner reads them) and quoted identifiers. Escape strings are built as bytes and must be UTF-8.

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
const utf8 = new TextEncoder();

export class EscapeError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

/** Body of `'…'` or `"…"` between the quotes, with the doubled quote undone. */
export function undouble(body: string, quote: string): string {
  return body.replaceAll(quote + quote, quote);
}

/** Body of `e'…'` between the quotes. Throws EscapeError (index into body) on a bad escape or bad UTF-8. */
export function unescapeE(body: string): string {
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === "'" && body[i + 1] === "'") {
      bytes.push(39);
      i += 2;
    } else if (c === '\\') {
      i = decodeEscape(body, i, bytes);
    } else {
      const ch = String.fromCodePoint(body.codePointAt(i)!);
      bytes.push(...utf8.encode(ch));
      i += ch.length;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new EscapeError(0, 'invalid UTF-8 byte sequence');
  }
}

/** Appends the bytes of the escape at `body[i]` (a backslash) to `bytes`; returns the index after it. */
function decodeEscape(body: string, i: number, bytes: number[]): number {
  const e = body[i + 1];
  if (e === undefined) throw new EscapeError(i, 'invalid escape sequence');
  const simple = SIMPLE[e];
  if (simple !== undefined) {
    bytes.push(simple);
    return i + 2;
  }
  if (e === 'x' || e === 'X') {
    const hex = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 2, i + 4));
    if (!hex) throw new EscapeError(i, 'invalid hexadecimal escape sequence');
    bytes.push(Number.parseInt(hex[0], 16));
    return i + 2 + hex[0].length;
  }
  if (e === 'u' || e === 'U') return decodeUnicodeEscape(body, i, e === 'u' ? 4 : 8, bytes);
  if (/[0-7]/.test(e)) {
    const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1, i + 4))![0];
    const v = Number.parseInt(oct, 8);
    if (v > 255) throw new EscapeError(i, 'invalid octal escape');
    bytes.push(v);
    return i + 1 + oct.length;
  }
  // Any other escaped character stands for itself (the backslash is dropped).
  const ch = String.fromCodePoint(body.codePointAt(i + 1)!);
  bytes.push(...utf8.encode(ch));
  return i + 1 + ch.length;
}

/** `\uXXXX` (n = 4) or `\UXXXXXXXX` (n = 8): a code point, not a surrogate. */
function decodeUnicodeEscape(body: string, i: number, n: number, bytes: number[]): number {
  const hex = body.slice(i + 2, i + 2 + n);
  if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new EscapeError(i, 'invalid unicode escape');
  const cp = Number.parseInt(hex, 16);
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new EscapeError(i, 'invalid unicode escape');
  bytes.push(...utf8.encode(String.fromCodePoint(cp)));
  return i + 2 + n;
}
