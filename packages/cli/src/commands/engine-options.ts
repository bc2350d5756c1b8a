// The engine settings that `sql` and `serve` take from the same flags (EngineFlags), paths resolved
// against the working directory. An unset flag stays undefined: the engine applies its default.
import { resolve } from 'node:path';
import type { EngineFlags } from '../args.js';

export interface EngineFlagOptions {
  readonly home: string;
  readonly source: string | undefined;
  readonly locality: string | undefined;
  readonly configPath: string | undefined;
  readonly externalIoDir: string | undefined;
  readonly state: string | undefined;
}

export function engineFlagOptions(flags: EngineFlags, home: string, cwd: string): EngineFlagOptions {
  return {
    home,
    source: flags.source,
    locality: flags.locality,
    configPath: flags.configPath === undefined ? undefined : resolve(cwd, flags.configPath),
    externalIoDir: flags.externalIoDir === undefined ? undefined : resolve(cwd, flags.externalIoDir),
    state: flags.state,
  };
}
