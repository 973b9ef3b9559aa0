"""Helpers for the init tests: draft, write, load back and validate with the real code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from odsweep.init import Draft, InitRequest, draft_spec, write_spec
from odsweep.spec import load_spec
from odsweep.validation import check_spec
from tests.conftest import DemoData


def draft_for(config: str | Path, data: DemoData, out: Path, **extra: Any) -> Draft:
    """Draft a spec for ``config`` on the demo data and write it to ``out``."""
    draft = draft_spec(
        InitRequest(
            pipeline_config=str(config),
            train_input=data.train,
            eval_input=data.eval,
            label_map=data.label_map,
            output=str(out),
            **extra,
        )
    )
    write_spec(draft.text, str(out))
    return draft


def validate(path: Path) -> Any:
    """What ``odsweep validate`` runs: the spec loader, then every config/data check."""
    assert isinstance(yaml.safe_load(path.read_text()), dict)
    return check_spec(load_spec(str(path)))
