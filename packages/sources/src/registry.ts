// The one registry of source kinds by URI scheme. Nothing registers itself on import: the default
// registry lists its providers here, and tests or embedders may build their own.
import { StrongroomError } from '@strongroom/errors';
import { SqliteSource } from './sqlite/sqlite-source.js';
import type { Source } from './types.js';

export interface OpenSourceOptions {
  /** The engine's home directory (state, and the embedded default SQLite databases in `<home>/data/`). */
  readonly home: string;
}

/** Opens a source; `uri` undefined means the embedded default, which only the default scheme accepts. */
export type SourceOpener = (uri: string | undefined, options: OpenSourceOptions) => Promise<Source>;

export class SourceRegistry {
  readonly #openers = new Map<string, SourceOpener>();
  readonly #defaultScheme: string;

  constructor(defaultScheme: string) {
    this.#defaultScheme = defaultScheme;
  }

  /** Registers a scheme (without `:`); registering one twice throws. */
  register(scheme: string, opener: SourceOpener): this {
    if (this.#openers.has(scheme))
      throw new StrongroomError('INTERNAL', `source scheme ${scheme} registered twice`);
    this.#openers.set(scheme, opener);
    return this;
  }

  get schemes(): readonly string[] {
    return [...this.#openers.keys()];
  }

  /** Opens the source for `uri` by its scheme; an unknown scheme fails with UNKNOWN_SCHEME naming it. */
  open(uri: string | undefined, options: OpenSourceOptions): Promise<Source> {
    const scheme =
      uri === undefined ? this.#defaultScheme : /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    const opener = scheme === undefined ? undefined : this.#openers.get(scheme);
    if (opener === undefined) {
      return Promise.reject(
        new StrongroomError('UNKNOWN_SCHEME', `unknown source scheme: ${scheme ?? '(none)'}`, {
          hint: `supported: ${this.schemes.map((s) => `${s}://`).join(', ')}`,
        }),
      );
    }
    return opener(uri, options);
  }
}

/** The registry with every source kind strongroom ships. */
export function defaultSourceRegistry(): SourceRegistry {
  const postgres: SourceOpener = async (uri) => {
    if (uri === undefined) throw new StrongroomError('INVALID_URI', 'a postgres source needs a URI');
    // Loaded on first use, so a SQLite session never loads the pg driver.
    const { PostgresSource } = await import('./postgres/postgres-source.js');
    return new PostgresSource(uri);
  };
  return new SourceRegistry('sqlite')
    .register('sqlite', async (uri, options) => new SqliteSource(uri, options))
    .register('postgres', postgres)
    .register('postgresql', postgres);
}

/** Opens a source by URI with the default registry (`undefined`: the embedded SQLite directory). */
export function openSource(uri: string | undefined, options: OpenSourceOptions): Promise<Source> {
  return defaultSourceRegistry().open(uri, options);
}
