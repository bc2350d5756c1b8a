// Redaction of raw statement text, for text that may not parse (the line echoed under a syntax error, a
// history entry): string literals that hold a URI go through redactUri, and literals written after a
// word that names a secret (passphrase, password, secret, key, token, credentials) become '*****'. An
// unterminated literal counts up to the end of the text. `mapOffset` moves a position in the original
// text to the same place in the redacted one, so a caret still points at the right column.
import { redactUri } from '@strongroom/uri';

export interface RedactedText {
  readonly text: string;
  /** The offset in `text` of `offset` in the original; inside a replaced literal, its start. */
  mapOffset(offset: number): number;
  /** The replacement of the literal that starts at `offset` of the original, if it was replaced. */
  replacementAt(offset: number): string | undefined;
}

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly with: string;
}

export const SECRET_MASK = "'*****'";

const SECRET_WORD_BEFORE = /(passphrase|password|secret|key|token|credentials)\w*\s*=?\s*\(?\s*$/i;
// `e'…'` strings take backslash escapes; plain ones only double the quote.
const LITERAL = /(?<![A-Za-z0-9_$])[eE]'((?:[^'\\]|''|\\[\s\S])*)('|$)|'((?:[^']|'')*)('|$)/g;

function looksLikeUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) || /[?&][A-Za-z_]+=/.test(value);
}

function replacementFor(text: string, start: number, literal: string, body: string): string | undefined {
  if (looksLikeUri(body)) {
    const value = body.replaceAll("''", "'");
    const redacted = `'${redactUri(value).replaceAll("'", "''")}'`;
    return redacted === literal ? undefined : redacted;
  }
  const before = text.slice(Math.max(0, start - 40), start);
  return SECRET_WORD_BEFORE.test(before) ? SECRET_MASK : undefined;
}

export function redactSqlText(text: string): RedactedText {
  const replacements: Replacement[] = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(LITERAL)) {
    const start = m.index;
    const literal = m[0];
    const escaped = m[1] !== undefined;
    const body = m[1] ?? m[3] ?? '';
    const value = escaped ? body.replace(/\\([\s\S])/g, '$1') : body;
    const replaced = replacementFor(text, start, literal, value);
    if (replaced === undefined) continue;
    out += text.slice(last, start) + replaced;
    last = start + literal.length;
    replacements.push({ start, end: last, with: replaced });
  }
  out += text.slice(last);
  return {
    text: out,
    mapOffset(offset) {
      let delta = 0;
      for (const r of replacements) {
        if (offset < r.start) break;
        if (offset < r.end) return r.start + delta;
        delta += r.with.length - (r.end - r.start);
      }
      return offset + delta;
    },
    replacementAt(offset) {
      return replacements.find((r) => r.start === offset)?.with;
    },
  };
}
