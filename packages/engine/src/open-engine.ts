// Placeholder until the engine lands: the signature the CLI and server build against.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type { Engine, EngineOptions } from './types.js';

/** `$STRONGROOM_HOME`, else `~/.strongroom`. */
export function defaultHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.STRONGROOM_HOME ?? join(homedir(), '.strongroom');
}

export async function openEngine(_options: EngineOptions): Promise<Engine> {
  throw new StrongroomError('INTERNAL', 'engine not implemented yet');
}
