#!/usr/bin/env bash
# moto server (AWS S3 + KMS emulator, from PyPI) in a virtualenv under .tools/moto.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.tools/moto
if [ -x "$venv/bin/moto_server" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.*'
"$venv/bin/moto_server" --help >/dev/null
