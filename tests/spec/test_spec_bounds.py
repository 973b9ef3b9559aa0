"""Reading a spec costs bounded time and memory whatever it holds (issue 8)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from odsweep.errors import InputError
from odsweep.spec import load_spec
from odsweep.spec._yaml import MAX_NODES, BoundedLoader, expanded_size, load_yaml

HEADER = (
    "apiVersion: odsweep/v1alpha1\nkind: SearchSpace\nmetadata: {name: v}\nspec:\n"
    "  pipelineConfigPath: x.config\n  numTrainSteps: 10\n  checkpointEveryNSteps: 5\n"
    "  objective: {type: max, objectiveMetricName: m}\n  algorithm: {algorithmName: random}\n"
    "  maxTrialCount: 2\n"
)
ONE_PARAM = (
    "  parameters:\n  - {name: a, configPath: x.y, parameterType: double, "
    "feasibleSpace: {min: 0.1, max: 0.2}}\n"
)


def _laughs() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def _merges() -> str:
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    lines += [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 10)}]}}" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


PAYLOADS = {
    "laughs": (
        _laughs() + HEADER.split("spec:\n", 1)[0],
        r"more than 100000 values once its aliases \(\*name\) and merge keys \(<<\) are expanded",
    ),
    "merges": (_merges(), "more than 100000 values once its aliases"),
    "bigint": (
        HEADER.replace("maxTrialCount: 2", "maxTrialCount: " + "9" * 100_000) + ONE_PARAM,
        r"^spec\.maxTrialCount: number out of range \(integers at most 9223372036854775807",
    ),
    "quoted_bigint": (
        HEADER.replace("maxTrialCount: 2", "maxTrialCount: '" + "9" * 90_000 + "'") + ONE_PARAM,
        r"^spec\.maxTrialCount: must be an integer > 0, got '9999",
    ),
    "sexagesimal": (
        HEADER.replace("maxTrialCount: 2", "maxTrialCount: 1" + ":59" * 20_000) + ONE_PARAM,
        r"^spec\.maxTrialCount: number out of range",
    ),
    "deep_list": (
        HEADER + "  parameters: " + "[" * 5000 + "]" * 5000 + "\n",
        r"nested more than 64 levels deep at line 11",
    ),
    "deep_map": (
        HEADER + "  overrides: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
        r"nested more than 64 levels deep at line 11",
    ),
    "inf_override": (
        HEADER + "  overrides: {train_config.batch_size: 1.0e+999999999}\n" + ONE_PARAM,
        r"^spec\.overrides\.train_config\.batch_size: number out of range .* got "
        r"'1\.0e\+999999999'",
    ),
    "inf_bound": (
        HEADER + ONE_PARAM.replace("max: 0.2", "max: .inf"),
        r"^spec\.parameters\[0\]\.feasibleSpace\.max: number out of range .* got '\.inf'",
    ),
    "quoted_inf_bound": (
        HEADER + ONE_PARAM.replace("max: 0.2", "max: '1e999999999'"),
        r"^spec\.parameters\[0\]\.feasibleSpace\.max: must be a finite number, got '1e999999999'",
    ),
    "steps_over_uint32": (
        HEADER.replace("numTrainSteps: 10", "numTrainSteps: 4294967296") + ONE_PARAM,
        r"^spec\.numTrainSteps: must be <= 4294967295 \(the most its field holds\)",
    ),
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_hostile_specs_are_refused_with_the_key(tmp_path: Path, name: str) -> None:
    text, message = PAYLOADS[name]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert len(text.encode()) < 100 * 1024
    with pytest.raises(InputError, match=message):
        load_spec(str(path))


def test_alias_expansion_is_counted_before_anything_is_built() -> None:
    node = yaml.compose(_laughs())  # PyYAML's own composer: no guard
    assert node is not None
    assert expanded_size(node) == MAX_NODES + 1  # capped, computed over ~120 nodes
    with pytest.raises(InputError, match=r"^x: more than 100000 values"):
        BoundedLoader(_laughs(), "x").get_single_node()
    ok = "a: &a [1, 2]\nb: [*a, *a, *a]\n"
    data, _ = load_yaml(ok, source="ok.yaml")
    assert data == {"a": [1, 2], "b": [[1, 2]] * 3}  # aliases still work in reason
    # root + (key a + [1, 2]) + (key b + the list + 3 expansions of [1, 2])
    assert expanded_size(yaml.compose(ok)) == 1 + (1 + 3) + (1 + 1 + 3 * 3)


def test_a_long_list_is_checked_in_linear_time(tmp_path: Path) -> None:
    # 15,000 values with a duplicate at the end: found, named, no quadratic scan (the
    # subprocess test below bounds the time; here the message).
    values = ", ".join(str(i) for i in range(15_000)) + ", 7"
    path = tmp_path / "s.yaml"
    path.write_text(
        HEADER + "  parameters:\n  - {name: a, configPath: x.y, parameterType: discrete, "
        f"feasibleSpace: {{list: [{values}]}}}}\n"
    )
    with pytest.raises(
        InputError, match=r"spec\.parameters\[0\]\.feasibleSpace\.list\[15000\]: duplicate value"
    ):
        load_spec(str(path))


def test_a_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(InputError, match=r"s\.yaml: 1048577 bytes, more than the 1048576"):
        load_spec(str(path))


def _limited() -> None:
    # The budget as hard limits: 500 MB of address space (a Python with its
    # libraries needs ~100 MB), 20 s of CPU as a safety net only, never asserted as time.
    resource.setrlimit(resource.RLIMIT_AS, (500 * 2**20, 500 * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_validate_refuses_each_payload_in_one_line_within_500_mb(tmp_path: Path, name: str) -> None:
    text, message = PAYLOADS[name]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "odsweep", "validate", str(path)],
        capture_output=True,
        text=True,
        preexec_fn=_limited,
        timeout=120,
        cwd=tmp_path,
    )
    lines = run.stderr.splitlines()
    assert run.returncode == 2, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert all(line.startswith("odsweep validate: error: ") for line in lines)
    import re

    assert any(re.search(message.lstrip("^"), line) for line in lines), lines
