import type { ResultColumn } from '@strongroom/sources';

/** EXPIRE BACKUPS: one row per full backup whose chain was removed. */
export const EXPIRE_COLUMNS: readonly ResultColumn[] = [
  { name: 'path', type: 'text' },
  { name: 'layers', type: 'int8' },
  { name: 'end_time', type: 'timestamptz' },
];
