"""Reading, parsing and atomically writing pipeline configs; label maps."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.odconfig import (
    apply_overrides,
    config_to_text,
    label_map_num_classes,
    load_pipeline_config,
    parse_pipeline_config,
    write_pipeline_config,
)

FIXTURES = Path(__file__).parent / "fixtures"
TINY_SSD = FIXTURES / "tiny_ssd.config"
LABEL_MAP = FIXTURES / "label_map.pbtxt"


def test_load_parses_fixture(tiny: Any) -> None:
    assert tiny.model.WhichOneof("model") == "ssd"
    assert len(tiny.eval_input_reader) == 2


def test_load_accepts_str_and_pathlike() -> None:
    assert load_pipeline_config(str(TINY_SSD)) == load_pipeline_config(TINY_SSD)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "pipeline.config"
    # storage.read_text's message (the one home of local reads), keyed by what the file is.
    with pytest.raises(
        InputError, match=rf"^pipeline config: file not found, got '{missing}'; check the path$"
    ):
        load_pipeline_config(missing)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=rf"^pipeline config: '{tmp_path}' is a folder; give a file$"
    ):
        load_pipeline_config(tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.config"
    bad.write_bytes(b"model { \xff\xfe }")
    with pytest.raises(InputError, match=rf"^pipeline config: {bad} is not UTF-8 text"):
        load_pipeline_config(bad)


def test_parse_error_is_one_line_with_source_and_reason() -> None:
    with pytest.raises(InputError) as info:
        parse_pipeline_config("train_config {\n  batch_size: eight\n}\n", source="x.config")
    (message,) = info.value.messages
    assert message.startswith("x.config: not a valid OD API pipeline.config: 2:")
    assert "\n" not in message


def test_unknown_field_in_file_gets_a_hint() -> None:
    with pytest.raises(
        InputError,
        match=r"^p: not a valid OD API pipeline.config: 1:\d+ : Message type "
        r"\"object_detection.protos.TrainConfig\" has no field named \"batch_sise\"\. "
        r"\(misspelt, or written for another OD API version such as TF1\)$",
    ):
        parse_pipeline_config("train_config { batch_sise: 8 }", source="p")


def test_unregistered_extension_message_is_actionable() -> None:
    text = (
        "train_input_reader {\n"
        "  external_input_reader {\n"
        "    [object_detection.protos.GoogleInputReader.google_input_reader] {\n"
        "    }\n  }\n}\n"
    )
    # In an input reader, the fix is data paths (odconfig.load_config_with_data).
    with pytest.raises(
        InputError,
        match=r"^p: train_input_reader \(line 2\) read with external_input_reader \(the "
        r"Google-internal GoogleInputReader\), which the open-source OD API cannot read; give "
        r"the data paths \(spec\.trainInputPath or --train-input\) and odsweep replaces them",
    ):
        parse_pipeline_config(text, source="p")
    # Elsewhere, the parser's own position and a hint.
    with pytest.raises(
        InputError,
        match=r"^p: not a valid OD API pipeline.config: 1:\d+ : extension "
        r"\"object_detection.protos.GoogleInputReader.google_input_reader\" is not defined by "
        r"the open-source OD API \(Google-internal\?\); replace that block",
    ):
        parse_pipeline_config(
            "[object_detection.protos.GoogleInputReader.google_input_reader] {\n}\n", source="p"
        )


def test_merge_semantics_like_the_od_api() -> None:
    # config_util uses text_format.Merge: a repeated singular field keeps the last value.
    config = parse_pipeline_config("train_config { batch_size: 2 batch_size: 4 }", source="p")
    assert config.train_config.batch_size == 4


def test_text_round_trip(tiny: Any) -> None:
    assert parse_pipeline_config(config_to_text(tiny), source="rt") == tiny


def test_write_then_load_round_trips(tiny: Any, tmp_path: Path) -> None:
    target = tmp_path / "pipeline.config"
    changed = apply_overrides(tiny, {"train_config.batch_size": 2})
    write_pipeline_config(changed, target)
    assert load_pipeline_config(target) == changed
    assert os.listdir(tmp_path) == ["pipeline.config"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_replaces_existing_file_and_keeps_its_mode(tiny: Any, tmp_path: Path) -> None:
    target = tmp_path / "pipeline.config"
    target.write_text("old")
    target.chmod(0o640)
    write_pipeline_config(tiny, os.fspath(target))
    assert load_pipeline_config(target) == tiny
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_write_failure_leaves_old_file_and_no_temp(
    tiny: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "pipeline.config"
    target.write_text("old content")

    def failing_replace(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(InputError, match=rf"^{target}: cannot write pipeline config: No space"):
        write_pipeline_config(tiny, target)
    assert target.read_text() == "old content"
    assert os.listdir(tmp_path) == ["pipeline.config"]


def test_write_creates_missing_folders(tiny: Any, tmp_path: Path) -> None:
    # storage.write_text_atomic (the one atomic writer) creates the folders.
    target = tmp_path / "missing" / "pipeline.config"
    write_pipeline_config(tiny, target)
    assert load_pipeline_config(target) == tiny


def test_write_under_a_file_is_input_error(tiny: Any, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / "pipeline.config"
    with pytest.raises(InputError, match=rf"^{target}: cannot write pipeline config"):
        write_pipeline_config(tiny, target)


def test_label_map_max_id() -> None:
    assert label_map_num_classes(LABEL_MAP) == 4  # ids 1, 2, 4: max, not count


def test_label_map_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^label map: file not found, got '.*label_map.pbtxt'"):
        label_map_num_classes(tmp_path / "label_map.pbtxt")


def test_label_map_invalid(tmp_path: Path) -> None:
    bad = tmp_path / "lm.pbtxt"
    bad.write_text("item { id: one }")
    with pytest.raises(InputError, match=rf"^{bad}: not a valid label map"):
        label_map_num_classes(bad)


def test_label_map_without_items(tmp_path: Path) -> None:
    empty = tmp_path / "lm.pbtxt"
    empty.write_text("# nothing\n")
    with pytest.raises(InputError, match=r"label map has no item with an id >= 1"):
        label_map_num_classes(empty)
