// Splits a URI into its raw RFC 3986 parts without decoding or normalising anything, so that redaction
// can rebuild the exact input with only secret values replaced. Internal to this package.

export interface RawQueryPair {
  /** The raw `name=value` text as written. */
  readonly raw: string;
  readonly rawName: string;
  /** Undefined when the pair has no '='. */
  readonly rawValue: string | undefined;
}

export interface RawUri {
  readonly scheme: string;
  /** The text between `//` and the path, or undefined when the URI has no authority. */
  readonly authority: string | undefined;
  readonly path: string;
  /** The text after '?', or undefined when there is none. */
  readonly query: string | undefined;
  readonly fragment: string | undefined;
}

const URI_RE = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

/** Undefined when the text is not shaped like `scheme:…` at all. */
export function splitUri(uri: string): RawUri | undefined {
  const m = URI_RE.exec(uri);
  if (!m) return undefined;
  return {
    scheme: m[1]!,
    authority: m[2],
    path: m[3] ?? '',
    query: m[4],
    fragment: m[5],
  };
}

export function splitQuery(query: string): RawQueryPair[] {
  if (query === '') return [];
  return query.split('&').map((raw) => {
    const eq = raw.indexOf('=');
    return eq < 0
      ? { raw, rawName: raw, rawValue: undefined }
      : { raw, rawName: raw.slice(0, eq), rawValue: raw.slice(eq + 1) };
  });
}

/** Percent-decodes; '+' stays '+' (no form decoding, so secrets holding '+' need no escaping). */
export function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function joinUri(raw: RawUri): string {
  let out = `${raw.scheme}:`;
  if (raw.authority !== undefined) out += `//${raw.authority}`;
  out += raw.path;
  if (raw.query !== undefined) out += `?${raw.query}`;
  if (raw.fragment !== undefined) out += `#${raw.fragment}`;
  return out;
}
