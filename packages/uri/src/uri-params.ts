// A consuming reader of a URI's query parameters, after CockroachDB's ConsumeURL: a provider's parser
// takes each parameter it knows, then `rejectLeftovers` fails on whatever nobody consumed, so a typo
// in a parameter name is an error instead of a silently ignored option.
import { StrongroomError } from '@strongroom/errors';
import { LOCALITY_PARAM } from './secret-params.js';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export class UriParams {
  readonly #values: Map<string, string>;

  /** `values`: decoded name → decoded value, each name once. */
  constructor(values: Iterable<readonly [string, string]>) {
    this.#values = new Map(values);
  }

  /** True when the parameter is present and not consumed yet. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** Returns the value (case-sensitive name) and removes it; undefined when absent. */
  consume(name: string): string | undefined {
    const v = this.#values.get(name);
    this.#values.delete(name);
    return v;
  }

  /**
   * Consumes a boolean in Go's strconv.ParseBool spellings (1/t/true/0/f/false…); undefined when
   * absent or empty. Anything else fails with INVALID_PARAMETER.
   */
  consumeBool(name: string): boolean | undefined {
    const v = this.consume(name);
    if (v === undefined || v === '') return undefined;
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `query parameter ${name} must be a boolean (true or false)`,
    );
  }

  /** Names not consumed yet, sorted; COCKROACH_LOCALITY is never a leftover. */
  remaining(): string[] {
    return [...this.#values.keys()].filter((n) => n !== LOCALITY_PARAM).sort();
  }

  /** Fails with UNKNOWN_URI_PARAMETER `unknown <kind> query parameters: A, B` if any are left. */
  rejectLeftovers(kind: string): void {
    const left = this.remaining();
    if (left.length > 0) {
      throw new StrongroomError(
        'UNKNOWN_URI_PARAMETER',
        `unknown ${kind} query parameters: ${left.join(', ')}`,
      );
    }
  }
}
