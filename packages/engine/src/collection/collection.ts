// Opens the stores of a collection: for writing, the locality URI list with every rule of its syntax
// (one default URI, one URI per locality: parseLocalityUris; docs/ARCHITECTURE.md, "Locality URI lists");
// for reading, the default store first and the others probed for partition descriptors.
import type { ExternalStorage } from '@strongroom/storage';
import { matchLocality, parseLocalityUris } from '@strongroom/uri';
import type { EngineContext } from '../context.js';

export interface WriteCollection {
  readonly defaultStore: ExternalStorage;
  /** Non-default localities and their stores. */
  readonly stores: ReadonlyMap<string, ExternalStorage>;
  readonly byLocality: ReadonlyMap<string, string>;
  readonly localityAware: boolean;
  /** 'default' then the others, sorted. */
  readonly localities: readonly string[];
}

export async function openForWrite(ctx: EngineContext, uris: readonly string[]): Promise<WriteCollection> {
  const parsed = parseLocalityUris([...uris]);
  const defaultStore = await ctx.storage.open(parsed.defaultUri, ctx.storageCtx);
  const stores = new Map<string, ExternalStorage>();
  for (const [loc, uri] of parsed.byLocality) stores.set(loc, await ctx.storage.open(uri, ctx.storageCtx));
  return {
    defaultStore,
    stores,
    byLocality: parsed.byLocality,
    localityAware: parsed.localityAware,
    localities: ['default', ...[...parsed.byLocality.keys()].sort()],
  };
}

/** The locality KV a span with `tiers` is written under, or undefined when no URI matches. */
export function placeSpan(c: WriteCollection, tiers: string): string | undefined {
  if (tiers === '') return 'default';
  // One URI serves the default locality only: a table with a locality of its own has no URI there (a plain
  // backup sends it to default anyway; `strict storage locality` refuses it).
  if (!c.localityAware) return undefined;
  const uri = matchLocality(tiers, c.byLocality);
  if (uri === undefined) return undefined;
  for (const [loc, u] of c.byLocality) if (u === uri) return loc;
  return undefined;
}

export function storeOf(c: WriteCollection, locality: string): ExternalStorage {
  return locality === 'default' ? c.defaultStore : (c.stores.get(locality) ?? c.defaultStore);
}

/** RESTORE and SHOW take URIs without COCKROACH_LOCALITY; tolerate it anyway. */
export function stripLocality(uri: string): string {
  const q = uri.indexOf('?');
  if (q < 0) return uri;
  const kept = uri
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && !/^COCKROACH_LOCALITY=/i.test(p));
  return kept.length === 0 ? uri.slice(0, q) : `${uri.slice(0, q)}?${kept.join('&')}`;
}

export interface ReadCollection {
  readonly defaultStore: ExternalStorage;
  readonly all: readonly ExternalStorage[];
}

export async function openForRead(ctx: EngineContext, uris: readonly string[]): Promise<ReadCollection> {
  const all: ExternalStorage[] = [];
  for (const u of uris) all.push(await ctx.storage.open(stripLocality(u), ctx.storageCtx));
  const first = all[0];
  if (!first) throw new Error('no collection URI');
  return { defaultStore: first, all };
}
