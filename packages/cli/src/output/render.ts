// Picks the format of one result set. Statements without columns (CREATE TABLE, PAUSE JOB) print their
// command tag in every text format; JSON always prints an object so a consumer sees one per statement.
import type { ResultSet } from '@strongroom/sources';
import type { OutputFormat } from '../args.js';
import { NARROW_NOTE, narrowJobs } from './jobs-layout.js';
import { formatJson } from './json.js';
import { formatRecords } from './records.js';
import { formatTable } from './table.js';
import { formatDelimited } from './tsv.js';
import { displayWidth } from './width.js';

export interface RenderOptions {
  readonly format: OutputFormat;
  /** `\x`: records instead of a table (table format only); `auto`: when the table is wider than `width`. */
  readonly expanded?: boolean | 'auto';
  /** The terminal's width, for `expanded: 'auto'`. */
  readonly width?: number;
}

function widest(text: string): number {
  return Math.max(0, ...text.split('\n').map((l) => displayWidth(l)));
}

export function renderResult(rs: ResultSet, options: RenderOptions): string {
  if (options.format === 'json') return formatJson(rs);
  if (rs.columns.length === 0) return `${rs.tag}\n`;
  switch (options.format) {
    case 'table': {
      const jobs = narrowJobs(rs);
      const table = () => (jobs === undefined ? formatTable(rs) : formatTable(jobs) + NARROW_NOTE);
      if (options.expanded === 'auto') {
        const t = table();
        return options.width !== undefined && widest(t) > options.width ? formatRecords(rs) : t;
      }
      return options.expanded ? formatRecords(rs) : table();
    }
    case 'tsv':
      return formatDelimited(rs, '\t');
    case 'csv':
      return formatDelimited(rs, ',');
  }
}
