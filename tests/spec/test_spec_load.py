"""load_spec: file and YAML problems become one InputError naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from spec_fixtures import exact_line, valid_doc

from odsweep.errors import InputError
from odsweep.spec import load_spec


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "search.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match=exact_line(f"{path}: file not found; check the path")):
        load_spec(path)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=exact_line(
        f"{tmp_path}: is a directory; give the search-space YAML file"
    )):  # fmt: skip
        load_spec(str(tmp_path))


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: odsweep/v1alpha1\nspec:\n  maxTrialCount: [1, 2\n")
    with pytest.raises(InputError) as info:
        load_spec(path)
    (message,) = info.value.messages
    assert message.startswith(f"{path}: invalid YAML at line 4, column 1: ")
    assert message.endswith("; fix the syntax")


def test_tabs_are_a_yaml_error(tmp_path: Path) -> None:
    path = write(tmp_path, "spec:\n\tmaxTrialCount: 1\n")
    with pytest.raises(InputError, match=rf"^{path}: invalid YAML at line 2, column 1: "):
        load_spec(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(
        InputError, match=exact_line(f"{path}: not UTF-8 text; save the file as UTF-8")
    ):
        load_spec(str(path))


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(InputError, match=exact_line(f"{path}: must be a mapping, got None")):
        load_spec(path)


def test_duplicate_keys_are_reported_with_the_other_problems(tmp_path: Path) -> None:
    doc = valid_doc()
    doc["spec"]["maxTrialCount"] = 0
    text = yaml.safe_dump(doc, sort_keys=False).replace(
        "kind: SearchSpace\n", "kind: SearchSpace\nkind: SearchSpace\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_spec(path)
    assert info.value.messages == (
        f"{path}: duplicate key 'kind' at line 3 (first at line 2), PyYAML would keep only the "
        "last; keep one",
        "spec.maxTrialCount: must be an integer > 0, got 0",
    )


def test_other_uri_schemes_are_not_supported() -> None:
    # gs:// is read through odsweep.storage (tests/spec/test_spec_gcs.py).
    with pytest.raises(InputError, match=exact_line(
        "s3://b/search.yaml: scheme not supported: only gs:// (and local paths), got s3://; "
        "copy the data to gs://"
    )):  # fmt: skip
        load_spec("s3://b/search.yaml")


def test_reader_errors_become_input_errors() -> None:
    def read_text(path: str) -> str:
        raise PermissionError(13, "Permission denied")

    with pytest.raises(
        InputError, match=exact_line("gs://b/s.yaml: cannot read (Permission denied)")
    ):
        load_spec("gs://b/s.yaml", read_text=read_text)


def test_yaml_booleans_are_not_numbers(tmp_path: Path) -> None:
    text = yaml.safe_dump(valid_doc(), sort_keys=False).replace(
        "maxFailedTrialCount: 2", "maxFailedTrialCount: no"
    )
    with pytest.raises(InputError, match=exact_line(
        "spec.maxFailedTrialCount: must be an integer >= 0, got False"
    )):  # fmt: skip
        load_spec(write(tmp_path, text))
