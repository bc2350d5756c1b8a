// chevrotain, loaded from the single-file ES bundle it ships (lib/chevrotain.mjs) instead of its package
// entry, which pulls in ~650 lodash-es modules: ~20 ms instead of ~300 ms at every CLI start. The bundle
// is the same version's code; every runtime use in this package goes through here (types still come from
// 'chevrotain'), so tokens and parsers never mix the two copies.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

const entry = createRequire(import.meta.url).resolve('chevrotain');
const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
const c = (await import(pathToFileURL(bundle).href)) as Chevrotain;

export const CstParser: Chevrotain['CstParser'] = c.CstParser;
export const Lexer: Chevrotain['Lexer'] = c.Lexer;
export const createToken: Chevrotain['createToken'] = c.createToken;
export const tokenMatcher: Chevrotain['tokenMatcher'] = c.tokenMatcher;
export const createSyntaxDiagramsCode: Chevrotain['createSyntaxDiagramsCode'] = c.createSyntaxDiagramsCode;
