"""The trial command survives Katib's unquoted ``sh -c``: shlex and a real ``sh`` agree.

Katib replaces each ``${trialParameters.x}`` with the trial's value, joins command and
args with spaces and runs the line with ``sh -c`` (see katib_fixtures). For every value
a trial can receive (bounds, listed values, and random strings drawn from the spec
layer's safe charset) the shell must hand the trial exactly the intended argv.
"""

from __future__ import annotations

import random
import shlex
import shutil
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from odsweep.backends.katib import TRIAL_NAME_PARAMETER, render_experiment
from odsweep.spec import is_safe_value
from odsweep.spec._problems import format_number
from tests.backends.katib.katib_fixtures import (
    job_container,
    katib_shell_command,
    make_options,
    make_spec,
    substitute,
    trial_name,
)

SAFE_ALPHABET = string.ascii_letters + string.digits + "._:/@+-"
FUZZ_CASES = 200


def _rendered() -> tuple[dict[str, Any], list[str]]:
    spec = make_spec()
    experiment = render_experiment(spec, options=make_options(spec))
    container = job_container(experiment)
    return experiment, [*container["command"], *container["args"]]


def _bound_values() -> Iterator[dict[str, str]]:
    """One assignment per bound / listed value (others at their first value)."""
    spec = make_spec()
    choices: dict[str, list[str]] = {}
    for param in spec.parameters:
        if param.is_range:
            assert param.min is not None and param.max is not None
            choices[param.name] = [format_number(param.min), format_number(param.max)]
        else:
            choices[param.name] = [str(v) for v in param.values]
    rng = random.Random(1)
    for name, values in choices.items():
        for value in values:
            assignment = {n: v[0] for n, v in choices.items()}
            assignment[name] = value
            assignment[TRIAL_NAME_PARAMETER] = trial_name(spec.name, rng)
            yield assignment


def _fuzz_values() -> Iterator[dict[str, str]]:
    spec = make_spec()
    rng = random.Random(20261126)
    for _ in range(FUZZ_CASES):
        assignment = {}
        for param in spec.parameters:
            value = "".join(rng.choices(SAFE_ALPHABET, k=rng.randint(1, 40)))
            assert is_safe_value(value)
            assignment[param.name] = value
        assignment[TRIAL_NAME_PARAMETER] = trial_name(spec.name, rng)
        yield assignment


ASSIGNMENTS = [*_bound_values(), *_fuzz_values()]


def _expected(words: list[str], values: dict[str, str]) -> list[str]:
    return [substitute(word, values) for word in words]


def test_bounds_and_listed_values_are_covered() -> None:
    values = {a["learning_rate"] for a in ASSIGNMENTS} | {a["num_layers"] for a in ASSIGNMENTS}
    assert {"0.004", "0.1", "0", "4"} <= values
    assert {"4", "8", "16"} <= {a["batch_size"] for a in ASSIGNMENTS}
    assert {"true", "false"} <= {a["optimizer_ema"] for a in ASSIGNMENTS}


def test_shlex_splits_the_joined_line_back_into_argv() -> None:
    _, words = _rendered()
    for values in ASSIGNMENTS:
        expected = _expected(words, values)
        assert shlex.split(" ".join(expected)) == expected, values
        wrapped = katib_shell_command(
            expected, metrics_file="/var/log/katib/metrics.log", early_stopping=True
        )
        assert shlex.split(wrapped)[: len(expected)] == expected, values


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_real_sh_gives_the_trial_exactly_its_argv(tmp_path: Path) -> None:
    experiment, words = _rendered()
    early_stopping = "earlyStopping" in experiment["spec"]
    assert early_stopping  # the longest form of Katib's wrapper
    metrics_file = tmp_path / "metrics.log"
    # One sh per assignment: a shell function named like the trial's command prints its
    # argv one word per line into the metrics file, as the real trial's stdout would be.
    for values in ASSIGNMENTS:
        expected = _expected(words, values)
        line = katib_shell_command(
            expected, metrics_file=str(metrics_file), early_stopping=early_stopping
        )
        script = f'{words[0]}() {{ printf "%s\\n" "$@"; }}; {line}'
        proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert metrics_file.read_text().splitlines() == expected[1:], values
    markers = [p for p in tmp_path.iterdir() if p.suffix == ".pid"]
    assert markers and markers[0].read_text().strip() == "completed"


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_unsafe_value_would_change_the_command(tmp_path: Path) -> None:
    # Why the pre-flight exists: a space splits a word, a ';' runs another command.
    _, words = _rendered()
    values = dict(ASSIGNMENTS[0], optimizer_ema="x; touch pwned")
    line = " ".join(_expected(words, values))
    script = f"{words[0]}() {{ :; }}; {line}"
    subprocess.run(["sh", "-c", script], cwd=tmp_path, check=False, capture_output=True)
    assert (tmp_path / "pwned").exists()
