"""The choice among settings: the metric, the constraints, the ties (pure)."""

from __future__ import annotations

import pytest

from odsweep.errors import InputError
from odsweep.postprocess import Candidate, NoSettingFits, choose, parse_constraint
from odsweep.results import Constraint, ObjectiveType

MAP = "DetectionBoxes_Precision/mAP"
P50 = "Serving/latency_p50_ms"
F1 = "Postprocess/F1@0.5IOU"
MAX = ObjectiveType.MAXIMIZE


def _c(name: str, **metrics: float) -> Candidate:
    names = {"map": MAP, "p50": P50, "f1": F1}
    return Candidate(name, {names[k]: v for k, v in metrics.items()})


def test_the_best_metric_wins_without_constraints() -> None:
    picked = choose([_c("s00", map=0.3), _c("s01", map=0.5), _c("s02", map=0.4)], MAP, MAX)
    assert picked.name == "s01"


def test_a_latency_constraint_picks_the_best_that_fits() -> None:
    settings = [_c("s00", map=0.5, p50=50), _c("s01", map=0.4, p50=30), _c("s02", map=0.3, p50=20)]
    picked = choose(settings, MAP, MAX, [Constraint(P50, 40, upper=True)])
    assert picked.name == "s01"


def test_a_min_constraint() -> None:
    settings = [_c("s00", map=0.5, f1=0.2), _c("s01", map=0.4, f1=0.6)]
    assert choose(settings, MAP, MAX, [Constraint(F1, 0.5, upper=False)]).name == "s01"


def test_ties_go_to_the_better_operating_point_then_the_faster() -> None:
    settings = [
        _c("s00", map=0.5, f1=0.2, p50=30),
        _c("s01", map=0.5, f1=0.6, p50=35),
        _c("s02", map=0.5, f1=0.6, p50=31),
    ]
    breaks = ((F1, MAX), (P50, ObjectiveType.MINIMIZE))
    assert choose(settings, MAP, MAX, tie_breaks=breaks).name == "s02"


def test_no_setting_fits_names_the_closest() -> None:
    settings = [_c("s00", map=0.5, p50=90), _c("s01", map=0.4, p50=45)]
    with pytest.raises(
        NoSettingFits,
        match=r"^post-processing: no setting satisfies Serving/latency_p50_ms <= 40; "
        r"the closest is s01: Serving/latency_p50_ms <= 40 \(got 45\); relax the constraint",
    ):
        choose(settings, MAP, MAX, [Constraint(P50, 40, upper=True)])


def test_an_unmeasured_constraint_metric_never_fits() -> None:
    with pytest.raises(NoSettingFits, match=r"the closest is s00: .*\(got nan\)"):
        choose([_c("s00", map=0.5)], MAP, MAX, [Constraint(P50, 40, upper=True)])


def test_nan_never_wins() -> None:
    assert choose([_c("s00", map=float("nan")), _c("s01", map=0.1)], MAP, MAX).name == "s01"


def test_constraints_parse() -> None:
    assert parse_constraint("Serving/latency_p50_ms<=40") == Constraint(P50, 40.0, upper=True)
    assert parse_constraint(" Postprocess/F1@0.5IOU >= 0.5 ") == Constraint(F1, 0.5, upper=False)


@pytest.mark.parametrize("text", ["Serving/latency_p50_ms<40", "x<=fast", "<=3", "x>=inf"])
def test_bad_constraints_are_refused(text: str) -> None:
    with pytest.raises(
        InputError,
        match=rf"^--constraint: '{text}' is not METRIC<=NUMBER or METRIC>=NUMBER; give e\.g\. ",
    ):
        parse_constraint(text)
