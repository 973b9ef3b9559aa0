"""search_spaces/<family>.yaml: one example per zoo family, validated against its config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from odsweep.init import InitRequest, draft_spec
from tests.conftest import DemoData
from tests.init.init_fixtures import validate
from tests.zoo import ZooConfig, zoo_config

REPO = Path(__file__).resolve().parents[2]
# search_spaces/<file>.yaml -> the tests/zoo family it was written from.
EXAMPLES = {
    "ssd-mobilenet-fpnlite": "ssd_mobilenet_fpnlite",
    "ssd-resnet50-fpn": "ssd_resnet50_fpn",
    "efficientdet-d0": "efficientdet_d0",
    "centernet-keypoints": "centernet_keypoints",
    "faster-rcnn-resnet50": "faster_rcnn_resnet50",
    "mask-rcnn": "mask_rcnn",
}


def _space(name: str) -> tuple[dict[str, object], ZooConfig]:
    doc = yaml.safe_load((REPO / "search_spaces" / f"{name}.yaml").read_text())
    zoo = zoo_config(EXAMPLES[name])
    assert (REPO / "search_spaces" / doc["spec"]["pipelineConfigPath"]).resolve() == zoo.path
    return doc, zoo


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates_against_its_zoo_config(
    name: str, demo_data: DemoData, tmp_path: Path
) -> None:
    doc, zoo = _space(name)
    spec = doc["spec"]
    # The committed file names ../data/demo; the test's demo data lives elsewhere.
    spec.update(
        pipelineConfigPath=str(zoo.path),
        trainInputPath=demo_data.train,
        evalInputPath=demo_data.eval,
        labelMapPath=demo_data.label_map,
    )
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    config = validate(path)
    assert config.model.WhichOneof("model") == zoo.meta_architecture


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_searches_what_init_drafts(name: str, tmp_path: Path) -> None:
    doc, zoo = _space(name)
    labels = tmp_path / "labels.pbtxt"
    labels.write_text('item { id: 1 name: "a" }\n')
    draft = draft_spec(
        InitRequest(
            str(zoo.path),
            train_input="t",
            eval_input="e",
            label_map=str(labels),
            num_train_steps=doc["spec"]["numTrainSteps"],  # type: ignore[index]
        )
    )
    drafted = yaml.safe_load(draft.text)["spec"]["parameters"]
    committed = doc["spec"]["parameters"]  # type: ignore[index]
    assert [(p["name"], p["configPath"]) for p in committed] == [
        (p["name"], p["configPath"]) for p in drafted
    ], f"search_spaces/{name}.yaml is out of step with odsweep init; re-run it"


def test_every_family_has_an_example() -> None:
    families = {z.meta_architecture for z in map(zoo_config, EXAMPLES.values())}
    assert families == {"ssd", "faster_rcnn", "center_net"}
