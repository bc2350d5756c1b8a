export {
  CHUNK_BUFFER_BYTES,
  chunkArena,
  chunkSlotOf,
  freeChunkSlots,
  giveChunkSlot,
  releaseChunk,
  takeChunkBuffer,
} from './chunk-buffers.js';
export type { PostgresSource } from './postgres/postgres-source.js';
export { temporaryDatabase } from './postgres/temporary-name.js';
export { parsePostgresUri, redactPostgresUri } from './postgres/uri.js';
export {
  defaultSourceRegistry,
  type OpenSourceOptions,
  openSource,
  postgresSourceProvider,
  type SourceProvider,
  SourceRegistry,
  sqliteSourceProvider,
} from './registry.js';
export {
  decodeRowBatches,
  decodeRows,
  FRAME_TARGET_BYTES,
  FrameSplitter,
  type Row,
  type RowBatch,
  RowFrameEncoder,
  type RowValue,
  type SpanFrame,
} from './row-codec.js';
export { SqliteSource, type SqliteSourceOptions } from './sqlite/sqlite-source.js';
export type * from './types.js';
export { forEachPooled, type PoolOptions, type PoolTask, runPool } from './work-pool.js';
