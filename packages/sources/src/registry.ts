// The one registry of source kinds by URI scheme: the uri package's ProviderRegistry, as for KMS and
// storage, plus the default scheme that serves the embedded database when no URI is given. Nothing
// registers itself on import: the default registry lists its providers here, and tests or embedders
// may build their own.
import { StrongroomError } from '@strongroom/errors';
import { type OpeningProvider, ProviderRegistry } from '@strongroom/uri';
import { SqliteSource } from './sqlite/sqlite-source.js';
import type { Source } from './types.js';

export interface OpenSourceOptions {
  /** The engine's home directory (state, and the embedded default SQLite databases in `<home>/data/`). */
  readonly home: string;
}

/** A source kind; `open(undefined)` is the embedded default, which only the default scheme accepts. */
export interface SourceProvider extends OpeningProvider<Source, OpenSourceOptions> {
  open(uri: string | undefined, options: OpenSourceOptions): Promise<Source>;
}

export class SourceRegistry extends ProviderRegistry<Source, OpenSourceOptions, SourceProvider> {
  readonly #defaultScheme: string;

  /** `defaultScheme`: the scheme whose provider opens the embedded default (no URI). */
  constructor(defaultScheme: string, providers: readonly SourceProvider[] = []) {
    super('source', providers);
    this.#defaultScheme = defaultScheme;
  }

  /** Opens the source for `uri` by its scheme; `undefined` opens the default scheme's embedded source. */
  override async open(uri: string | undefined, options: OpenSourceOptions): Promise<Source> {
    if (uri !== undefined) return super.open(uri, options);
    return this.providerFor(`${this.#defaultScheme}:`).open(undefined, options);
  }
}

export const sqliteSourceProvider: SourceProvider = {
  schemes: ['sqlite'],
  secretParams: [],
  open: async (uri, options) => new SqliteSource(uri, options),
};

export const postgresSourceProvider: SourceProvider = {
  schemes: ['postgres', 'postgresql'],
  secretParams: ['password', 'sslpassword'],
  async open(uri) {
    if (uri === undefined) throw new StrongroomError('INVALID_URI', 'a postgres source needs a URI');
    // Loaded on first use, so a SQLite session never loads the pg driver.
    const { PostgresSource } = await import('./postgres/postgres-source.js');
    return new PostgresSource(uri);
  },
};

/** The registry with every source kind strongroom ships. */
export function defaultSourceRegistry(): SourceRegistry {
  return new SourceRegistry('sqlite', [sqliteSourceProvider, postgresSourceProvider]);
}

/** Opens a source by URI with the default registry (`undefined`: the embedded SQLite directory). */
export function openSource(uri: string | undefined, options: OpenSourceOptions): Promise<Source> {
  return defaultSourceRegistry().open(uri, options);
}
