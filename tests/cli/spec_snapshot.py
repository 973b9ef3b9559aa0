"""A sweep output with its spec snapshot and one trial folder, without training."""

from __future__ import annotations

from pathlib import Path

import yaml

from odsweep.spec import load_spec, spec_to_dict
from tests.test_validation import spec_file


def write_output(root: Path, *, trial: bool = True) -> Path:
    for name in ("train-0.tfrecord", "eval-0.tfrecord"):
        (root / name).write_bytes(b"")
    (root / "label_map.pbtxt").write_text('item { id: 1 name: "a" }\n')
    out = root / "out"
    (out / "trials" / "v-1").mkdir(parents=True)
    if trial:  # only its presence counts for export --trial; the report would read it
        (out / "trials" / "v-1" / "result.json").write_text("{}")
    (out / "model").mkdir()
    spec = load_spec(spec_file(root))
    (out / "spec.yaml").write_text(yaml.safe_dump(spec_to_dict(spec), sort_keys=False))
    return out
