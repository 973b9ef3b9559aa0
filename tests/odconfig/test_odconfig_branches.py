"""Switching a oneof branch through an override that names the oneof (odconfig._branches)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.odconfig import apply_overrides, names_oneof, resolve_oneof

OPT = "train_config.optimizer.optimizer"
ADAM = "train_config.optimizer.adam_optimizer"
MOMENTUM = "train_config.optimizer.momentum_optimizer"


def test_names_oneof_only_for_a_path_ending_on_a_oneof(tiny: Any) -> None:
    desc = tiny.DESCRIPTOR
    assert names_oneof(desc, OPT)
    assert names_oneof(desc, f"{ADAM}.learning_rate.learning_rate")
    assert names_oneof(desc, "model.ssd.image_resizer.image_resizer_oneof")
    assert not names_oneof(desc, "train_config.optimizer")  # a message field, no oneof
    assert not names_oneof(desc, f"{MOMENTUM}.momentum_optimizer_value")
    assert not names_oneof(desc, "train_config.optimiser.optimizer")


def test_switch_to_adam_carries_the_learning_rate_and_drops_momentum(tiny: Any) -> None:
    out = apply_overrides(tiny, {OPT: "adam_optimizer"})
    optimizer = out.train_config.optimizer
    assert optimizer.WhichOneof("optimizer") == "adam_optimizer"
    # The whole schedule came along: Adam trains with the base config's cosine schedule.
    assert optimizer.adam_optimizer.learning_rate == (
        tiny.train_config.optimizer.momentum_optimizer.learning_rate
    )
    assert optimizer.adam_optimizer.learning_rate.cosine_decay_learning_rate.total_steps == 300
    assert not optimizer.HasField("momentum_optimizer")
    assert tiny.train_config.optimizer.WhichOneof("optimizer") == "momentum_optimizer"


def test_rms_prop_also_carries_the_momentum_value(tiny: Any) -> None:
    out = apply_overrides(tiny, {OPT: "rms_prop_optimizer"})
    rms = out.train_config.optimizer.rms_prop_optimizer
    assert rms.momentum_optimizer_value == pytest.approx(0.9)
    assert rms.HasField("learning_rate")


def test_fields_of_the_chosen_branch_and_a_nested_switch_apply_in_one_batch(tiny: Any) -> None:
    out = apply_overrides(
        tiny,
        {
            # Written before the switches on purpose: switches go first, outer first.
            f"{ADAM}.learning_rate.constant_learning_rate.learning_rate": 0.002,
            f"{ADAM}.learning_rate.learning_rate": "constant_learning_rate",
            f"{ADAM}.epsilon": 1e-7,
            OPT: "adam_optimizer",
        },
    )
    adam = out.train_config.optimizer.adam_optimizer
    assert adam.learning_rate.WhichOneof("learning_rate") == "constant_learning_rate"
    assert adam.learning_rate.constant_learning_rate.learning_rate == pytest.approx(0.002)
    assert adam.epsilon == pytest.approx(1e-7)


def test_choosing_the_selected_branch_keeps_it_as_it_is(tiny: Any) -> None:
    out = apply_overrides(tiny, {OPT: "momentum_optimizer"})
    assert out == tiny


def test_unknown_branch_is_one_line_with_the_fix(tiny: Any) -> None:
    message = (
        "train_config.optimizer.optimizer: oneof 'optimizer' of Optimizer has no branch "
        "'adam'; did you mean 'adam_optimizer'?"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        apply_overrides(tiny, {OPT: "adam"})


def test_a_field_of_an_unchosen_branch_is_still_refused(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"selects 'momentum_optimizer' in the base config"):
        apply_overrides(tiny, {f"{ADAM}.epsilon": 1e-7})


def test_a_branch_without_a_learning_rate_to_carry_is_incomplete(tiny: Any) -> None:
    tiny.train_config.optimizer.momentum_optimizer.ClearField("learning_rate")
    message = (
        "train_config.optimizer.optimizer: branch adam_optimizer is incomplete: "
        "train_config.optimizer.adam_optimizer.learning_rate needs its oneof "
        "'learning_rate' set (constant_learning_rate, exponential_decay_learning_rate, "
        "manual_step_learning_rate, cosine_decay_learning_rate, ...) and the old branch had "
        "none to carry; choose it with a parameter on "
        "train_config.optimizer.adam_optimizer.learning_rate.learning_rate (when: this "
        "branch) or select it in the base config"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        apply_overrides(tiny, {OPT: "adam_optimizer"})
    # Choosing the schedule completes it.
    out = apply_overrides(
        tiny,
        {OPT: "adam_optimizer", f"{ADAM}.learning_rate.learning_rate": "constant_learning_rate"},
    )
    assert out.train_config.optimizer.adam_optimizer.learning_rate.HasField(
        "constant_learning_rate"
    )


def test_resolve_oneof_lists_the_branches(tiny: Any) -> None:
    ref = resolve_oneof(tiny, "model.ssd.image_resizer.image_resizer_oneof", key="k")
    assert "fixed_shape_resizer" in ref.branches
    assert "keep_aspect_ratio_resizer" in ref.branches
    assert ref.oneof == "image_resizer_oneof"
    out = apply_overrides(tiny, {ref.path: "keep_aspect_ratio_resizer"})
    assert out.model.ssd.image_resizer.WhichOneof("image_resizer_oneof") == (
        "keep_aspect_ratio_resizer"
    )


def test_a_switch_inside_an_unchosen_branch_is_refused(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"selects 'momentum_optimizer' in the base config"):
        apply_overrides(tiny, {f"{ADAM}.learning_rate.learning_rate": "constant_learning_rate"})
