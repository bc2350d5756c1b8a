// Ctrl-R reverse incremental search over the history, as bash and psql (readline) have it, added to
// node:readline, which has none: no maintained Node line editor offers it on top of readline's
// completion and history, so this hooks readline's key handler (`_ttyWrite`, stable since Node 0.x).
// Typing narrows the search, Ctrl-R again finds an older match, Backspace widens it; Enter runs the
// match, any other editing key (arrows, Home, End, Esc) puts it on the line to edit, Ctrl-G or Ctrl-C
// gives the line back as it was.
import type { Interface } from 'node:readline';

interface Key {
  readonly name?: string;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly sequence?: string;
}

interface ReadlineInternals {
  _ttyWrite(s: string | undefined, key: Key | undefined): void;
  _refreshLine(): void;
  line: string;
  cursor: number;
  history: string[];
}

interface Search {
  query: string;
  /** Index into history (newest first) of the current match; -1 = none. */
  index: number;
  readonly savedLine: string;
  readonly savedCursor: number;
}

export function installReverseSearch(
  rl: Interface,
  output: { write(s: string): unknown; readonly columns?: number },
): void {
  const r = rl as unknown as ReadlineInternals;
  const original = r._ttyWrite.bind(rl);
  let search: Search | undefined;

  const find = (s: Search, from: number): number => {
    if (s.query === '') return -1;
    for (let i = Math.max(0, from); i < r.history.length; i++) if (r.history[i]?.includes(s.query)) return i;
    return -1;
  };
  const render = (s: Search): void => {
    const match = s.index < 0 ? '' : (r.history[s.index] ?? '').replace(/\s*\n\s*/g, ' ');
    const label = s.index < 0 && s.query !== '' ? 'failing reverse-i-search' : 'reverse-i-search';
    const text = `(${label})'${s.query}': ${match}`;
    output.write(`\r\x1b[K${text.slice(0, Math.max(20, (output.columns ?? 80) - 1))}`);
  };
  const end = (line: string, cursor: number): void => {
    search = undefined;
    r.line = line;
    r.cursor = cursor;
    r._refreshLine();
  };

  /** Edits the search for a key; false when the key ends the search (the caller finishes it). */
  const searchKey = (cur: Search, s: string | undefined, key: Key | undefined): boolean => {
    if (isCtrl(key, 'r')) {
      const next = find(cur, cur.index + 1);
      if (next >= 0) cur.index = next;
    } else if (key?.name === 'backspace') {
      cur.query = cur.query.slice(0, -1);
      cur.index = find(cur, 0);
    } else if (isPrintable(s, key)) {
      cur.query += s;
      cur.index = find(cur, Math.max(0, cur.index));
    } else return false;
    render(cur);
    return true;
  };

  const begin = (): void => {
    search = { query: '', index: -1, savedLine: r.line, savedCursor: r.cursor };
    render(search);
  };
  /** Ends the search with its match on the line; the key then does what it does (Esc: nothing). */
  const accept = (cur: Search, s: string | undefined, key: Key | undefined): void => {
    const match = cur.index < 0 ? cur.savedLine : (r.history[cur.index] ?? '');
    end(match, match.length);
    if (key?.name !== 'escape') original(s, key);
  };

  r._ttyWrite = (s, key) => {
    const cur = search;
    if (cur === undefined) return isCtrl(key, 'r') ? begin() : original(s, key);
    if (isCtrl(key, 'g', 'c')) return end(cur.savedLine, cur.savedCursor);
    if (!searchKey(cur, s, key)) accept(cur, s, key);
  };
}

function isCtrl(key: Key | undefined, ...names: string[]): boolean {
  return key?.ctrl === true && names.includes(key.name ?? '');
}

function isPrintable(s: string | undefined, key: Key | undefined): s is string {
  const printable = s !== undefined && s.length === 1 && s >= ' ' && !key?.ctrl && !key?.meta;
  return printable && key?.name !== 'return' && key?.name !== 'enter';
}
