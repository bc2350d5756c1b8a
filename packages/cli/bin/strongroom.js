#!/usr/bin/env node
// The bundled CLI (../bundle, from `npm run build`: it starts ~80 ms sooner than the packages' dist/
// modules), unless it is missing, older than a compiled package (a `tsc -b` since the last bundle) or
// cannot load: then dist/.
import { readdirSync, statSync } from 'node:fs';

const packages = new URL('../../', import.meta.url);
const mtime = (url) => {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return Number.NaN;
  }
};
const bundled = mtime(new URL('../bundle/strongroom.js', import.meta.url));
const current =
  bundled >= 0 &&
  readdirSync(packages).every((p) => !(mtime(new URL(`${p}/dist/.tsbuildinfo`, packages)) > bundled));
let bundle;
try {
  if (current) bundle = await import('../bundle/strongroom.js');
} catch (err) {
  // A package the bundle leaves to node_modules that it cannot resolve from its own directory: dist/ can.
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
}
const { main } = bundle ?? (await import('../dist/index.js'));
process.exitCode = await main(process.argv.slice(2));
