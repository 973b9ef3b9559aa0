#!/usr/bin/env bash
# Install everything, then run the whole test suite (lint and types included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
python3 -m uv run --locked ruff check src tests bench
python3 -m uv run --locked ruff format --check src tests bench
python3 -m uv run --locked mypy
python3 -m uv run --locked pytest -q --durations=30 "$@"
