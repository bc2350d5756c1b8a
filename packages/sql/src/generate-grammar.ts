// Regenerates grammar/strongroom.ebnf and grammar/diagrams.html from the parser:
//   node packages/sql/dist/generate-grammar.js [outDir]   (default: the repository's grammar/)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grammarDiagramsHtml, grammarEbnf } from './grammar-files.js';

const outDir = process.argv[2] ?? fileURLToPath(new URL('../../../grammar/', import.meta.url));
writeFileSync(join(outDir, 'strongroom.ebnf'), grammarEbnf());
writeFileSync(join(outDir, 'diagrams.html'), grammarDiagramsHtml());
console.log(`wrote ${join(outDir, 'strongroom.ebnf')} and ${join(outDir, 'diagrams.html')}`);
