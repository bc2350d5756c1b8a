// Golden files in CockroachDB's parser-testdata style (packages/sql/testdata/*.txt). Blocks:
//   parse      input, then `----`, the normalized form and the redacted form (`-- redacted`);
//   error      input, then the diagnostic (`input:line:col: message`, source line, caret, hint);
//   split      a script, then one line per piece: `line:col owned|forward|error <text as JSON>`;
//   complete   text before the cursor ending in `|`, then the suggestions.
// `REWRITE=1 npx vitest run golden` regenerates the expected outputs in place.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isStrongroomError } from '@strongroom/errors';
import { test } from 'vitest';
import {
  complete,
  format,
  formatDiagnostic,
  isOwned,
  parseScript,
  parseStatement,
  splitStatements,
} from './index.js';

const dir = new URL('../testdata/', import.meta.url);
const rewrite = process.env.REWRITE === '1';

interface Block {
  directive: string;
  input: string;
  expected: string;
  /** Line range of the expected output in the file (for rewriting). */
  outStart: number;
  outEnd: number;
}

function readBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const directive = line.trim();
    const input: string[] = [];
    for (i++; i < lines.length && lines[i] !== '----'; i++) input.push(lines[i]!);
    const outStart = ++i;
    while (i < lines.length && lines[i]!.trim() !== '') i++;
    blocks.push({
      directive,
      input: input.join('\n'),
      expected: lines.slice(outStart, i).join('\n'),
      outStart,
      outEnd: i,
    });
  }
  return blocks;
}

function run(directive: string, input: string): string {
  switch (directive) {
    case 'parse': {
      const ast = parseStatement(input);
      const normalized = format(ast, { redact: false });
      assert.deepEqual(parseStatement(normalized), ast, `normalized form does not round-trip: ${normalized}`);
      return `${normalized}\n${format(ast)} -- redacted`;
    }
    case 'error':
      try {
        parseStatement(input);
        return 'no error';
      } catch (err) {
        if (!isStrongroomError(err) || err.position === undefined) throw err;
        const p = err.position;
        const d = {
          message: err.message,
          ...p,
          code: err.code as 'SYNTAX_ERROR',
          ...(err.hint ? { hint: err.hint } : {}),
        };
        return `${err.code}\n${formatDiagnostic(d, input, 'input')}`;
      }
    case 'split': {
      const { errors } = parseScript(input);
      return splitStatements(input)
        .map(({ text, span }) => {
          const kind = !isOwned(text)
            ? 'forward'
            : errors.some((e) => e.offset >= span.startOffset && e.offset <= span.endOffset)
              ? 'error'
              : 'owned';
          return `${span.line}:${span.column} ${kind} ${JSON.stringify(text)}`;
        })
        .join('\n');
    }
    case 'complete':
      assert.ok(input.endsWith('|'), 'complete input must end with the cursor marker |');
      return complete(input.slice(0, -1)).join(' ') || '(nothing)';
    default:
      throw new Error(`unknown directive ${directive}`);
  }
}

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()) {
  test(`golden ${file}`, () => {
    const url = new URL(file, dir);
    const lines = readFileSync(url, 'utf8').split('\n');
    const blocks = readBlocks(lines);
    assert.ok(blocks.length > 0, `${file} has no blocks`);
    if (rewrite) {
      for (const b of [...blocks].reverse())
        lines.splice(b.outStart, b.outEnd - b.outStart, ...run(b.directive, b.input).split('\n'));
      writeFileSync(url, lines.join('\n'));
      return;
    }
    for (const b of blocks)
      assert.equal(
        run(b.directive, b.input),
        b.expected,
        `${file}:${b.outStart}: ${b.directive}\n${b.input}`,
      );
  });
}
