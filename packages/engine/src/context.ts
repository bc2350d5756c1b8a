// What every statement's execution needs: the source, the provider registries, the jobs store and
// the engine's own locality and domicile rules. Built once by openEngine.
import type { KmsContext, KmsRegistry } from '@strongroom/kms';
import type { Source } from '@strongroom/sources';
import type { StorageContext, StorageRegistry } from '@strongroom/storage';
import type { DomicileRules } from './config.js';
import type { HostStore } from './jobs/host-store.js';
import type { JobsStore } from './jobs/jobs-store.js';
import type { StateStore } from './state/state-store.js';

export interface EngineContext {
  readonly source: Source;
  readonly kms: KmsRegistry;
  readonly storage: StorageRegistry;
  readonly kmsCtx: KmsContext;
  readonly storageCtx: StorageContext;
  /** Job records and nodes: the state store's (`<home>/jobs.db`, or the shared PostgreSQL database). */
  readonly jobs: JobsStore;
  /** What this host remembers of the backups it wrote: rollback anchor, layer directories' writers. */
  readonly host: HostStore;
  /** External connections and schedules (`<home>/state.db`, or the shared PostgreSQL database). */
  readonly state: StateStore;
  /** This engine's locality tiers, e.g. 'region=us-east,zone=a' ('' when not set). */
  readonly locality: string;
  /** The user statements run as (recorded on jobs). */
  readonly user: string;
  readonly domicile: DomicileRules;
}
