#!/usr/bin/env bash
# Install the pinned uv and the locked environment (.venv). Idempotent; needs only
# Python 3.11 with pip and the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
if ! python3 -m uv --version 2>/dev/null | grep -qx "uv $UV_VERSION"; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# --locked: fail instead of silently re-resolving when uv.lock is out of date.
python3 -m uv sync --locked --quiet
