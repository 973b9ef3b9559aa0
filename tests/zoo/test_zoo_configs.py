"""The tests' own zoo-form configs parse on the OD API protos and say what they are."""

from __future__ import annotations

import pytest

from odsweep.errors import InputError
from odsweep.odconfig import label_map_num_classes, load_pipeline_config
from tests.zoo import PERSON_KEYPOINTS_LABEL_MAP, ZOO_CONFIGS, ZooConfig, zoo_config

PARSEABLE = [c for c in ZOO_CONFIGS if not c.google_reader]


@pytest.mark.parametrize("zoo", PARSEABLE, ids=lambda c: c.family)
def test_zoo_config_parses_with_its_family_traits(zoo: ZooConfig) -> None:
    config = load_pipeline_config(zoo.path)
    assert config.model.WhichOneof("model") == zoo.meta_architecture
    assert config.train_config.use_bfloat16 is zoo.bfloat16
    assert config.train_input_reader.load_instance_masks is zoo.masks
    if zoo.meta_architecture == "center_net":
        assert len(config.model.center_net.keypoint_estimation_task) == int(zoo.keypoints)
    # Every family keeps a learning-rate schedule with warm-up and a non-trivial space.
    optimizer = config.train_config.optimizer
    which = optimizer.WhichOneof("optimizer")
    schedule = getattr(optimizer, which).learning_rate.cosine_decay_learning_rate
    assert schedule.warmup_steps > 0


def test_google_reader_config_is_unparseable_as_written() -> None:
    zoo = zoo_config("centernet_google_reader")
    with pytest.raises(
        InputError, match=r"read with external_input_reader \(the Google-internal GoogleInputReader"
    ):
        load_pipeline_config(zoo.path)


def test_families_are_unique_and_cover_every_meta_architecture() -> None:
    families = [c.family for c in ZOO_CONFIGS]
    assert len(families) == len(set(families))
    assert {c.meta_architecture for c in ZOO_CONFIGS} == {"ssd", "faster_rcnn", "center_net"}
    with pytest.raises(KeyError, match="'yolo': not one of"):
        zoo_config("yolo")


def test_person_keypoint_label_map() -> None:
    assert label_map_num_classes(PERSON_KEYPOINTS_LABEL_MAP) == 1
