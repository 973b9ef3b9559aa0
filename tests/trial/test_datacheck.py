"""The data is read before compute is spent: bad shards and label maps are refused by
``odsweep validate`` and by the trial's pre-flight (exit 2, nothing trained)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from odsweep.cli.main import main
from odsweep.demodata import base_config_path
from odsweep.errors import EXIT_BAD_INPUT, EXIT_OK
from odsweep.trial.datacheck import MAX_REPORTED, split_records
from tests.tfrecords import example, frame, shard_bytes, write_shard

pytestmark = pytest.mark.tf

MAP = "DetectionBoxes_Precision/mAP"
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def _label_map(ids: list[int]) -> str:
    return "".join(f'item {{ id: {i} name: "c{i}" }}\n' for i in ids)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    write_shard(root / "train-00000-of-00002.tfrecord", [example() for _ in range(6)])
    write_shard(root / "train-00001-of-00002.tfrecord", [example() for _ in range(6)])
    write_shard(root / "eval-00000-of-00001.tfrecord", [example() for _ in range(3)])
    (root / "label_map.pbtxt").write_text(_label_map([1, 2, 3]))
    return root


def _spec(data: Path, num_classes: int = 3) -> str:
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "data"},
        "spec": {
            "pipelineConfigPath": str(base_config_path()),
            "trainInputPath": str(data / "train-*.tfrecord"),
            "evalInputPath": str(data / "eval-*.tfrecord"),
            "labelMapPath": str(data / "label_map.pbtxt"),
            "numTrainSteps": 10,
            "checkpointEveryNSteps": 10,
            "overrides": {f"{LR}.warmup_steps": 2, "model.ssd.num_classes": num_classes},
            "objective": {"type": "maximize", "objectiveMetricName": MAP},
            "algorithm": {"algorithmName": "random"},
            "maxTrialCount": 2,
            "parameters": [
                {
                    "name": "lr",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.02, "max": 0.2},
                }
            ],
        },
    }
    path = data / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def _refused(data: Path, capsys: pytest.CaptureFixture[str], **kw: int) -> list[str]:
    """Errors of `odsweep validate`, checked to be the same the trial pre-flight gives
    (exit 2, no trial folder: nothing trained)."""
    spec = _spec(data, **kw)
    assert main(["validate", spec]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    trial_dir = data.parent / "trials" / "t-1"
    argv = ["trial", "--spec", spec, "--trial-dir", str(trial_dir), "--param", "lr=0.05"]
    assert main(argv) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.replace("odsweep trial:", "odsweep validate:") == err
    assert not trial_dir.exists()
    prefix = "odsweep validate: error: "
    return [line.removeprefix(prefix) for line in err.splitlines()]


def _corrupt_middle(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 8] = bytes(b ^ 0xFF for b in raw[middle : middle + 8])
    path.write_bytes(bytes(raw))


def test_good_data_passes_and_the_time_is_logged(
    data: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="odsweep.trial.datacheck"):
        assert main(["validate", _spec(data)]) == EXIT_OK
    assert capsys.readouterr().out.endswith(": valid\n")
    assert any(r.getMessage().startswith("checked 3 shards in ") for r in caplog.records)


def test_an_empty_shard_is_named(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = data / "train-00001-of-00002.tfrecord"
    empty.write_bytes(b"")
    assert _refused(data, capsys) == [
        f"train_input_reader: {empty}: empty file (0 bytes); remove it or write it again"
    ]


def test_flipped_bytes_are_a_checksum_error(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = data / "eval-00000-of-00001.tfrecord"
    _corrupt_middle(shard)
    (line,) = _refused(data, capsys)
    assert line.startswith(f"eval_input_reader[0]: {shard}: corrupt record at byte ")
    assert line.endswith("checksum mismatch); the file is damaged: copy or write it again")


def test_a_truncated_shard_is_named(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = data / "eval-00000-of-00001.tfrecord"
    raw = shard.read_bytes()
    shard.write_bytes(raw[: len(raw) - 100])
    record = len(frame(example()))
    assert _refused(data, capsys) == [
        f"eval_input_reader[0]: {shard}: truncated record at byte {2 * record}; "
        "the file is damaged: copy or write it again"
    ]


def test_every_bad_shard_is_listed_at_once(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data / "train-00000-of-00002.tfrecord").write_bytes(b"")
    _corrupt_middle(data / "eval-00000-of-00001.tfrecord")
    lines = _refused(data, capsys)
    assert [line.split(":")[0] for line in lines] == ["train_input_reader", "eval_input_reader[0]"]


def test_many_bad_shards_are_capped(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(MAX_REPORTED + 5):
        (data / f"train-x{i:03d}.tfrecord").write_bytes(b"")
    spec = _spec(data)
    assert main(["validate", spec]) == EXIT_BAD_INPUT
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == MAX_REPORTED + 1
    assert lines[-1] == "odsweep validate: error: ... and 5 more bad shards (not listed)"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (b"not a protobuf at all", "record 2 is not a tf.train.Example; write the shard with"),
        (example(image=b""), "record 2 has no image/encoded; every example needs its image"),
        (
            example(image=b"\x89PNG but not really"),
            "record 2 does not decode with the OD API's decoder: ",
        ),
    ],
    ids=["not-an-example", "no-image", "undecodable-image"],
)
def test_a_record_the_decoder_cannot_read_is_named(
    data: Path, capsys: pytest.CaptureFixture[str], record: bytes, message: str
) -> None:
    shard = data / "train-00000-of-00002.tfrecord"
    write_shard(shard, [example(), record, example()])
    (line,) = _refused(data, capsys)
    assert line.startswith(f"train_input_reader: {shard}: {message}")


@pytest.mark.parametrize(
    ("ids", "num_classes", "expected"),
    [
        ([0, 1, 2], 3, "ids must be >= 1 (0 is the background), got 0; number the classes from 1"),
        ([1, 2, 2, 3], 3, "ids must be unique, repeated: 2; give each class its own id"),
    ],
    ids=["id-0", "duplicate"],
)
def test_bad_label_map_ids(
    data: Path,
    capsys: pytest.CaptureFixture[str],
    ids: list[int],
    num_classes: int,
    expected: str,
) -> None:
    (data / "label_map.pbtxt").write_text(_label_map(ids))
    assert _refused(data, capsys, num_classes=num_classes) == [
        f"label_map_path: {data / 'label_map.pbtxt'}: {expected}"
    ]


def test_an_id_above_num_classes_is_refused(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data / "label_map.pbtxt").write_text(_label_map([1, 2, 7]))
    assert _refused(data, capsys, num_classes=3) == [
        f"model num_classes: 3 is less than the label map's largest id 7 "
        f"({data / 'label_map.pbtxt'}); set the model's num_classes to at least 7"
    ]


COCO_IDS = [i for i in range(1, 91) if i not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}]


def test_coco_style_80_items_up_to_90_with_num_classes_90_is_valid(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(COCO_IDS) == 80 and max(COCO_IDS) == 90
    (data / "label_map.pbtxt").write_text(_label_map(COCO_IDS))
    assert main(["validate", _spec(data, num_classes=90)]) == EXIT_OK
    assert capsys.readouterr().out.endswith(": valid\n")


@pytest.mark.parametrize(
    ("cut", "problem"),
    [
        (lambda raw: raw[:5], "truncated record at byte 0"),
        (lambda raw: raw[:-1], "truncated record at byte 0"),
        (
            lambda raw: raw[:12] + raw[12:][::-1],
            "corrupt record at byte 0 (data checksum mismatch)",
        ),
        (lambda raw: b"\x00" + raw[1:], "corrupt record at byte 0 (length checksum mismatch)"),
    ],
)
def test_framing_rules(cut: Callable[[bytes], bytes], problem: str) -> None:
    assert split_records(cut(shard_bytes()), 4, complete=True) == ([], problem)


def test_a_partial_read_asks_for_more() -> None:
    raw = shard_bytes([example(), example()])
    records, problem = split_records(raw[:-3], 4, complete=False)
    assert (len(records), problem) == (1, "more")
