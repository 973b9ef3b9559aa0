"""Google-internal ``external_input_reader`` blocks: replaced given data paths, else refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from tests.zoo import zoo_config

from odsweep.errors import InputError
from odsweep.odconfig import load_config_with_data, load_pipeline_config
from odsweep.odconfig._extscan import find_external_readers

GOOGLE = zoo_config("centernet_google_reader").path
FIX = (
    "read with external_input_reader (the Google-internal GoogleInputReader), which the "
    "open-source OD API cannot read; give the data paths ("
)


def test_data_paths_replace_the_readers_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="odsweep.odconfig"):
        config = load_config_with_data(
            GOOGLE, train_input="/d/train-*.tfrecord", eval_input="/d/val.tfrecord"
        )
    train = config.train_input_reader
    assert train.WhichOneof("input_reader") == "tf_record_input_reader"
    assert list(train.tf_record_input_reader.input_path) == ["/d/train-*.tfrecord"]
    (evaluation,) = config.eval_input_reader
    assert list(evaluation.tf_record_input_reader.input_path) == ["/d/val.tfrecord"]
    # The rest of each reader is kept.
    assert evaluation.num_epochs == 1 and not evaluation.shuffle
    assert config.model.center_net.object_center_params.min_box_overlap_iou == pytest.approx(0.7)
    assert [r.getMessage() for r in caplog.records] == [
        f"{GOOGLE}: replaced the Google-internal external_input_reader of train_input_reader, "
        "eval_input_reader[0] with tf_record_input_reader on the given data paths"
    ]


def test_without_data_paths_the_error_names_readers_lines_and_fix() -> None:
    with pytest.raises(InputError) as info:
        load_config_with_data(GOOGLE, label_map="/d/label_map.pbtxt")
    assert list(info.value.messages) == [
        f"{GOOGLE}: train_input_reader (line 58), eval_input_reader[0] (line 79) {FIX}"
        "spec.trainInputPath or --train-input and spec.evalInputPath or --eval-input) and "
        "odsweep replaces them with tf_record_input_reader"
    ]


def test_plain_load_gives_the_same_error() -> None:
    with pytest.raises(InputError, match=r"eval_input_reader\[0\] \(line 79\) read with "):
        load_pipeline_config(GOOGLE)


def test_a_missing_eval_path_names_only_the_eval_reader() -> None:
    with pytest.raises(InputError) as info:
        load_config_with_data(GOOGLE, train_input="/d/train.tfrecord")
    assert list(info.value.messages) == [
        f"{GOOGLE}: eval_input_reader[0] (line 79) {FIX}spec.evalInputPath or --eval-input) "
        "and odsweep replaces them with tf_record_input_reader"
    ]


def test_configs_without_external_readers_load_as_before(tmp_path: Path) -> None:
    config = load_config_with_data(
        zoo_config("ssd_mobilenet_fpnlite").path, eval_input="/d/val.tfrecord"
    )
    assert list(config.eval_input_reader[0].tf_record_input_reader.input_path) == [
        "/d/val.tfrecord"
    ]
    assert "PATH_TO_BE_CONFIGURED" in config.train_input_reader.tf_record_input_reader.input_path[0]


def test_scanner_skips_strings_and_comments_and_nested_blocks() -> None:
    text = (
        "model { ssd { num_classes: 1 } }  # external_input_reader { in a comment\n"
        "train_input_reader {\n"
        '  label_map_path: "a{b}.pbtxt"\n'
        "  external_input_reader {\n"
        "    [x.y.z] { path: '}' }\n"
        "  }\n"
        "}\n"
        "eval_input_reader { tf_record_input_reader { input_path: 'e' } }\n"
        "eval_input_reader: < external_input_reader: { [x.y.z] { } } >\n"
    )
    blocks = find_external_readers(text)
    assert [(b.key, b.line) for b in blocks] == [
        ("train_input_reader", 4),
        ("eval_input_reader[1]", 9),
    ]
    assert text[blocks[0].start : blocks[0].end] == (
        "external_input_reader {\n    [x.y.z] { path: '}' }\n  }"
    )
    assert text[blocks[1].start : blocks[1].end] == "external_input_reader: { [x.y.z] { } }"


def test_a_later_parse_error_keeps_the_files_line_numbers(tmp_path: Path) -> None:
    text = GOOGLE.read_text().replace("num_epochs: 1", "num_epochs: one")
    bad = tmp_path / "bad.config"
    bad.write_text(text)
    line = text.splitlines().index("  num_epochs: one") + 1
    with pytest.raises(InputError, match=rf"^{bad}: not a valid OD API pipeline\.config: {line}:"):
        load_config_with_data(bad, train_input="/t", eval_input="/e")
