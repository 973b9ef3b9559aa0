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
# The PostgreSQL server the shared-study tests start on 127.0.0.1 (pytest -m postgres)
# and the README's several-machines setup use: the system package, installed when
# missing and we may (root); otherwise say how.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "note: no PostgreSQL server found; the 'postgres' tests need it:" \
      "sudo apt-get install postgresql (Debian/Ubuntu)" >&2
  fi
fi
