"""Katib pre-flight for budget-based search: no ASHA service on Katib, and its
hyperband service's own rules (parallelism floor, discrete lists read with int())."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from odsweep.backends.katib._preflight import check_budget_for_katib
from odsweep.spec import SearchSpec, parse_spec

ROOT = Path(__file__).resolve().parents[3]


def demo(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "search_spaces" / name).read_text())
    return copy.deepcopy(doc)


def parse(doc: dict[str, Any]) -> SearchSpec:
    return parse_spec(doc, source="/specs/s.yaml", base_dir="/specs")


def test_the_hyperband_demo_passes() -> None:
    assert check_budget_for_katib(parse(demo("demo-hyperband.yaml"))) == []


def test_asha_is_refused_naming_what_katib_offers() -> None:
    doc = demo("demo.yaml")
    doc["spec"]["earlyStopping"] = {
        "algorithmName": "asha",
        "algorithmSettings": [{"name": "min_resource", "value": "100"}],
    }
    assert check_budget_for_katib(parse(doc)) == [
        "spec.earlyStopping.algorithmName: Katib has no asha early-stopping service, got "
        "'asha'; use medianstop, or algorithm hyperband without earlyStopping, or run asha "
        "with --backend local"
    ]


def test_hyperband_parallelism_below_katibs_floor_is_refused() -> None:
    doc = demo("demo-hyperband.yaml")
    doc["spec"]["parallelTrialCount"] = 2
    assert check_budget_for_katib(parse(doc)) == [
        "spec.parallelTrialCount: Katib's hyperband service needs at least ceil(eta ** s_max) "
        "= 9 (r_l=9, eta=3), got 2; raise parallelTrialCount to 9 or run with --backend local"
    ]


def test_hyperband_discrete_fractions_are_refused() -> None:
    doc = demo("demo-hyperband.yaml")
    doc["spec"]["parameters"][0]["parameterType"] = "discrete"
    doc["spec"]["parameters"][0]["feasibleSpace"] = {"list": [0.001, 0.01]}
    assert check_budget_for_katib(parse(doc)) == [
        "spec.parameters[0].feasibleSpace.list: Katib's hyperband service reads discrete "
        "values with int(), got 0.001; use parameterType categorical for these values, or "
        "run with --backend local"
    ]
