#!/usr/bin/env bash
# Regenerate every committed generated file from the code. Tests fail when a committed
# file differs from what the code renders now; run this, review the diff, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
odsweep() { python3 -m uv run --locked odsweep "$@"; }

# ---------------------------------------------------------------------------------------
# Katib Experiments: katib_experiments/<name>.yaml for every search_spaces/<name>.yaml.
# The search spaces name local files, so the examples use placeholders a user replaces
# (or re-renders with their own --image/--model-dir/--spec-uri). Each file's header
# records the exact command; tests/backends/katib/test_golden.py re-renders from it.
# ---------------------------------------------------------------------------------------
IMAGE=registry.example/odsweep:0.1
BUCKET=gs://YOUR_BUCKET/odsweep

# `katib render` validates the spec like `odsweep validate`, which needs the data the
# demo spec names (generated, not committed).
[ -d data/demo ] || odsweep demo-data data/demo

# An algorithm's example is named after the algorithm, not its spec (keep this table and
# RENDERED_AS in tests/backends/katib/test_golden.py in step).
experiment_name() {
  case "$1" in
    demo-bayesopt) echo bayesianoptimization ;;
    *) echo "$1" ;;
  esac
}
rm -f katib_experiments/*.yaml.tmp
for spec in search_spaces/*.yaml; do
  name=$(experiment_name "$(basename "$spec" .yaml)")
  odsweep katib render "$spec" \
    --image "$IMAGE" \
    --model-dir "$BUCKET/$name" \
    --spec-uri "$BUCKET/$name/spec.yaml" \
    > "katib_experiments/$name.yaml.tmp"
done
# Only replace the committed files once every spec rendered; drop those of removed specs.
for out in katib_experiments/*.yaml; do
  [ -e "$out" ] || continue
  [ -e "$out.tmp" ] || rm -f "$out"
done
for tmp in katib_experiments/*.yaml.tmp; do
  mv "$tmp" "${tmp%.tmp}"
done
echo "katib_experiments/: $(ls katib_experiments/*.yaml | wc -l) Experiment(s) rendered"

# ---------------------------------------------------------------------------------------
# KFP pipeline: pipelines/odsweep_pipeline.yaml (upload it in the KFP UI) and one reusable
# component spec per step in components/. Default cluster settings and the placeholder
# image; `odsweep pipeline compile --image ...` builds a package for a real registry.
# tests/pipeline/test_golden.py compiles afresh and compares.
# ---------------------------------------------------------------------------------------
kfp_tmp=$(mktemp -d)
odsweep pipeline compile --output "$kfp_tmp/odsweep_pipeline.yaml" --components-dir "$kfp_tmp/components"
# Replace only after a whole compile; drop the specs of removed steps.
mkdir -p pipelines components
rm -f components/*.yaml
mv "$kfp_tmp/odsweep_pipeline.yaml" pipelines/
mv "$kfp_tmp"/components/*.yaml components/
rm -rf "$kfp_tmp"
echo "pipelines/odsweep_pipeline.yaml and components/: $(ls components/*.yaml | wc -l) component(s)"
