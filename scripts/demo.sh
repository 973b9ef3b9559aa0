#!/usr/bin/env bash
# Install everything, generate the demo data, run the demo sweep (resumes if run again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
python3 -m uv run --locked odsweep demo-data data/demo --seed 0
python3 -m uv run --locked odsweep run search_spaces/demo.yaml --output runs/ssd-demo "$@"
