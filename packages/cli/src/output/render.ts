// Picks the format of one result set. Statements without columns (CREATE TABLE, PAUSE JOB) print their
// command tag in every text format; JSON always prints an object so a consumer sees one per statement.
import type { ResultSet } from '@strongroom/sources';
import type { OutputFormat } from '../args.js';
import { NARROW_NOTE, narrowJobs } from './jobs-layout.js';
import { formatJson } from './json.js';
import { formatRecords } from './records.js';
import { formatTable } from './table.js';
import { formatDelimited } from './tsv.js';

export interface RenderOptions {
  readonly format: OutputFormat;
  /** `\x`: records instead of a table (table format only). */
  readonly expanded?: boolean;
}

export function renderResult(rs: ResultSet, options: RenderOptions): string {
  if (options.format === 'json') return formatJson(rs);
  if (rs.columns.length === 0) return `${rs.tag}\n`;
  switch (options.format) {
    case 'table': {
      if (options.expanded) return formatRecords(rs);
      const jobs = narrowJobs(rs);
      return jobs === undefined ? formatTable(rs) : formatTable(jobs) + NARROW_NOTE;
    }
    case 'tsv':
      return formatDelimited(rs, '\t');
    case 'csv':
      return formatDelimited(rs, ',');
  }
}
