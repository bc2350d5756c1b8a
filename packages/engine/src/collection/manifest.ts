// The backup manifest: what one layer holds and where every span's rows live. Written last (its
// presence means the layer completed), gzip-compressed then encrypted under the chain's data key, with a
// SHA-256 sidecar of the stored bytes so truncation or a swapped object is caught before decryption.
import type { ColumnInfo, SchemaObject } from '@strongroom/sources';

export const MANIFEST_VERSION = 1;

export interface FileRef {
  /** Collection-relative path (the same under every locality's root). */
  readonly path: string;
  /** 'default' or a locality KV such as 'region=eu-west'. */
  readonly locality: string;
  /** Plaintext (uncompressed) bytes of the span's rows. */
  readonly logicalBytes: number;
  /** Bytes as stored (compressed, encrypted). */
  readonly storedBytes: number;
  readonly rows: number;
  /** How the rows are compressed: concatenated zstd frames, or one gzip stream when absent (older layers). */
  readonly compression?: 'zstd' | 'gzip';
}

export interface SpanEntry {
  readonly lo: string | null;
  readonly hi: string | null;
  /**
   * `zstd:` and the SHA-256 (hex) of the span's zstd frames (older layers: the SHA-256 of its row bytes):
   * equal fingerprints mean the span did not change.
   */
  readonly fingerprint: string;
  readonly rows: number;
  /** Where the rows are: in this layer, or in an earlier layer of the chain. Null when the span is empty. */
  readonly file: FileRef | null;
}

export interface TableEntry {
  readonly name: string;
  readonly createSql: string;
  readonly columns: readonly ColumnInfo[];
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly locality: string;
  readonly boundaries: readonly string[];
  readonly spans: readonly SpanEntry[];
}

export interface DatabaseEntry {
  readonly name: string;
  readonly tables: readonly TableEntry[];
  readonly objects: readonly SchemaObject[];
  /**
   * A database backed up as pages (sqlite): its own pages (header, schema, freelist) as the spans of an
   * entry named '' in the default locality; the tables' spans (attributes.spans 'pages') hold theirs.
   */
  readonly pages?: TableEntry;
}

export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  /** Random id; partition descriptors repeat it. */
  readonly id: string;
  readonly backupType: 'full' | 'incremental';
  /** This layer's directory, collection-relative. */
  readonly dir: string;
  /** The chain's full backup directory. */
  readonly fullDir: string;
  readonly startTime: string | null;
  readonly endTime: string;
  readonly sourceKind: string;
  /** Full-cluster ('all'), databases, or tables. */
  readonly coverage: 'all' | 'databases' | 'tables';
  /** The statement's targets, so an incremental can check it covers the same objects as its full. */
  readonly targetsKey: string;
  readonly databases: readonly DatabaseEntry[];
  /** Every locality this chain writes to ('default' first). */
  readonly localities: readonly string[];
  /** Partition descriptor names written to non-default localities of this layer. */
  readonly partitions: readonly { readonly name: string; readonly locality: string }[];
  readonly encryption: {
    readonly mode: 'none' | 'kms' | 'passphrase' | 'kms+passphrase';
    readonly masterKeyIds: readonly string[];
  };
  /** The redacted statement that made this layer. */
  readonly statement: string;
  /**
   * The layer's place in its chain (1 = the full backup) and the layer it builds on: an incremental names
   * its predecessor's directory, id and manifest checksum, so a removed, swapped or reordered layer breaks
   * the link. A full backup names the newest full backup the collection held when it started (null if
   * none). Absent in layers written before chain authentication.
   */
  readonly seq?: number;
  readonly previous?: LayerLink | null;
}

export interface LayerLink {
  readonly dir: string;
  readonly id: string;
  /** SHA-256 (hex) of the predecessor's stored BACKUP_MANIFEST bytes. */
  readonly checksum: string;
}

/** A chain record (`<full>/CHAIN-<seq>`), sealed under the chain's data key like a manifest. */
export interface ChainRecord {
  readonly version: 1;
  readonly seq: number;
  readonly dir: string;
  readonly id: string;
  readonly endTime: string;
  readonly checksum: string;
}

/** Non-default localities' share of a layer, written into that locality's layer directory. */
export interface PartitionDescriptor {
  readonly version: typeof MANIFEST_VERSION;
  readonly backupId: string;
  readonly locality: string;
  readonly files: readonly string[];
}

/** Every file a layer's restore reads (spans pointing into earlier layers included). */
export function filesOf(m: Manifest): FileRef[] {
  const out = new Map<string, FileRef>();
  for (const db of m.databases)
    for (const t of db.pages ? [...db.tables, db.pages] : db.tables)
      for (const s of t.spans) if (s.file) out.set(s.file.path, s.file);
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
