/**
 * The URL of the compiled JavaScript module `relative` to the calling module, for starting it as a worker
 * thread or a child process. Normally that is just `new URL(relative, moduleUrl)`. Under the test runner the
 * calling module runs from its TypeScript source (`src/…/x.ts`), but a worker or child process is plain
 * Node and cannot load TypeScript, so the compiled copy in the package's `dist/` is returned instead (the
 * test command builds the packages first).
 */
export function compiledEntry(moduleUrl: string, relative: string): URL {
  const url = new URL(relative, moduleUrl);
  if (!moduleUrl.endsWith('.ts')) return url;
  const at = url.pathname.lastIndexOf('/src/');
  if (at < 0) return url;
  return new URL(`${url.pathname.slice(0, at)}/dist/${url.pathname.slice(at + 5)}`, 'file://');
}
