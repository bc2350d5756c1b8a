#!/usr/bin/env bash
# fake-gcs-server (Google Cloud Storage emulator, a Go module) built into .tools/bin. Skips when built.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.tools/bin/fake-gcs-server
if [ -x "$bin" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "fake-gcs-server.sh: Go is not installed; GCS tests will skip (or fail under CI=true)" >&2
  exit 0
fi
mkdir -p .tools/bin
GOBIN="$PWD/.tools/bin" go install github.com/fsouza/fake-gcs-server@v1.55.1
"$bin" -help >/dev/null 2>&1 || true
