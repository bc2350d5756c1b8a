// An in-test Engine: records every statement it is given and answers from a script of canned results
// or errors, keyed by the statement text. It stands in for the real engine, which the CLI only calls.
import type { Engine, ExecuteOptions } from '@strongroom/engine';
import type { ResultSet } from '@strongroom/sources';
import type { ScriptStatement } from '@strongroom/sql';

export type Answer = ResultSet | Error | ((options: ExecuteOptions | undefined) => Promise<ResultSet>);

export class TestEngine implements Engine {
  readonly executed: ScriptStatement[] = [];
  readonly source = { kind: 'test', redactedUri: 'test:///' };
  closed = false;

  constructor(private readonly answer: (text: string) => Answer | undefined = () => undefined) {}

  async execute(statement: ScriptStatement | string, options?: ExecuteOptions): Promise<ResultSet> {
    if (typeof statement === 'string') throw new Error('the CLI passes parsed statements');
    this.executed.push(statement);
    const a = this.answer(statement.text.trim());
    if (a === undefined)
      return { columns: [], rows: [], tag: statement.text.trim().split(/\s+/)[0]!.toUpperCase() };
    if (a instanceof Error) throw a;
    if (typeof a === 'function') return a(options);
    return a;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
