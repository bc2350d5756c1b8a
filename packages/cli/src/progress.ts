// Live progress of a running BACKUP/RESTORE: one status line on stderr rewritten in place with `\r`
// (fraction, rows, bytes, rate, ETA) and erased when the statement ends, so results on stdout are never
// mixed with it. Only on a terminal: redirected stderr gets nothing.
import type { Progress } from '@strongroom/engine';

export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function humanBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `BACKUP job 42: 37.5% · 1200 rows · 3.0 MiB · 1.5 MiB/s · ETA 4s` */
export function progressText(p: Progress): string {
  const pct = (Math.min(1, Math.max(0, p.fraction)) * 100).toFixed(1);
  const parts = [
    `${p.jobType} job ${p.jobId}: ${pct}%`,
    `${p.rows} rows`,
    humanBytes(p.bytes),
    `${humanBytes(p.rate)}/s`,
  ];
  if (p.etaSeconds !== undefined && Number.isFinite(p.etaSeconds))
    parts.push(`ETA ${humanDuration(p.etaSeconds)}`);
  return parts.join(' · ');
}

export interface ProgressLine {
  readonly onProgress: ((p: Progress) => void) | undefined;
  /** Erases the line if one was drawn. */
  clear(): void;
}

/** A status line on `stream` when it is a terminal; a no-op otherwise. */
export function progressLine(stream: ProgressStream): ProgressLine {
  if (!stream.isTTY) return { onProgress: undefined, clear() {} };
  let drawn = false;
  return {
    onProgress(p) {
      const width = Math.max(20, (stream.columns || 80) - 1);
      // \x1b[K erases what a longer previous line left behind.
      stream.write(`\r${progressText(p).slice(0, width)}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
