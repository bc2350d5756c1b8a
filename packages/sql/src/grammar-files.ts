// Renders the parser's own grammar (Chevrotain's serialized GAST) as the two committed artefacts of
// grammar/: an EBNF text and railroad diagrams in HTML. Both are pure functions of the parser, so a
// test can regenerate them and fail when the committed copies drift.
import type { ISerializedGast } from 'chevrotain';
import { createSyntaxDiagramsCode } from './chevrotain.js';
import { statementParser } from './parser.js';
import { KW } from './tokens.js';

const TERMINALS: Record<string, string> = {
  Sconst: 'SCONST',
  NonReservedWord: 'non_reserved_word',
  Placeholder: 'PLACEHOLDER',
  NumberLiteral: 'NUMBER',
  QuotedIdentifier: 'QUOTED_IDENT',
  LParen: "'('",
  RParen: "')'",
  Comma: "','",
  Equals: "'='",
  Dot: "'.'",
  Star: "'*'",
};

const KEYWORD_NAMES: ReadonlySet<string> = new Set(Object.keys(KW));

type Gast = ISerializedGast & { name?: string; separator?: Gast; definition?: Gast[] };

function terminal(name: string): string {
  return TERMINALS[name] ?? (KEYWORD_NAMES.has(name) ? `'${name}'` : name);
}

function seq(defs: Gast[] | undefined): string {
  return (defs ?? []).map(render).join(' ');
}

function render(g: Gast): string {
  switch (g.type) {
    case 'NonTerminal':
      return g.name!;
    case 'Terminal':
      return terminal(g.name!);
    case 'Alternation':
      return `( ${(g.definition ?? []).map((a) => seq(a.definition)).join(' | ')} )`;
    case 'Option':
      return `[ ${seq(g.definition)} ]`;
    case 'Repetition':
      return `{ ${seq(g.definition)} }`;
    case 'RepetitionMandatory':
      return `${seq(g.definition)} { ${seq(g.definition)} }`;
    case 'RepetitionWithSeparator':
      return `[ ${seq(g.definition)} { ${render(g.separator!)} ${seq(g.definition)} } ]`;
    case 'RepetitionMandatoryWithSeparator':
      return `${seq(g.definition)} { ${render(g.separator!)} ${seq(g.definition)} }`;
    default:
      return seq(g.definition);
  }
}

const HEADER = `(* strongroom statement grammar. GENERATED from packages/sql/src/parser.ts by
   \`node packages/sql/dist/generate-grammar.js\`; do not edit by hand.
   Notation: 'KW' = case-insensitive keyword, [x] optional, {x} zero or more, | alternation.
   Terminals (CockroachDB lexical rules, reference section 1):
     SCONST            'text' ('' escapes a quote) | e'text' (backslash escapes) | $$text$$ | $tag$text$tag$;
                       adjacent 'a' 'b' literals separated by a newline are concatenated
     non_reserved_word an identifier or unreserved keyword; where a string is expected it is the
                       lower-cased word itself (WITH kms = MyKey means 'mykey')
     QUOTED_IDENT      "Name" (case kept, "" escapes a quote)
     PLACEHOLDER       $1, $2, ...
     NUMBER            digits with an optional fraction and exponent
   Comments: -- to end of line, and nested block comments. *)
`;

export function grammarEbnf(): string {
  const rules = statementParser.getSerializedGastProductions() as Gast[];
  const body = rules.map((r) => `${r.name} ::=\n    ${seq(r.definition)}\n`).join('\n');
  return `${HEADER}\n${body}`;
}

export function grammarDiagramsHtml(): string {
  return createSyntaxDiagramsCode(statementParser.getSerializedGastProductions());
}
