"""The one "did you mean" rule, as the spec and the config layer both use it."""

from __future__ import annotations

from odsweep.odconfig._schema import suggest
from odsweep.spec._problems import closest
from odsweep.suggest import close_names


def test_close_names_is_case_insensitive_and_keeps_the_choice_spelling() -> None:
    assert close_names("softmax", ["SOFTMAX", "SIGMOID"]) == ["SOFTMAX"]


def test_an_abbreviation_finds_its_one_completion() -> None:
    assert close_names("gpus", ["gpusPerTrial", "cpu", "memory"]) == ["gpusPerTrial"]
    assert close_names("m", ["memory", "maxTrialCount"]) == []  # two completions: none


def test_both_layers_answer_the_same() -> None:
    choices = ["numTrainSteps", "maxTrialCount", "gpusPerTrial"]
    for word in ("numTrainStep", "gpus", "zzz"):
        found = close_names(word, choices)
        assert closest(word, choices) == (found[0] if found else None)
        clause = suggest(word, choices)
        assert clause == (f"did you mean '{found[0]}'?" if found else clause)
    assert suggest("zzz", choices).startswith("valid names: ")
