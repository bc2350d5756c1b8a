// Removes one query parameter from a URI, keeping every other byte as written.
import { decodeComponent, joinUri, splitQuery, splitUri } from './split-uri.js';

/** `uri` without any `name=…` pair; the '?' goes too when nothing is left. Unparseable input is returned as is. */
export function stripUriParam(uri: string, name: string): string {
  const raw = splitUri(uri);
  if (!raw || raw.query === undefined) return uri;
  const kept = splitQuery(raw.query).filter((p) => decodeComponent(p.rawName) !== name);
  const query = kept.length === 0 ? undefined : kept.map((p) => p.raw).join('&');
  return joinUri({ ...raw, query });
}
