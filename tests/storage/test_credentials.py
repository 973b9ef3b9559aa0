"""GOOGLE_APPLICATION_CREDENTIALS naming a bad file says so (issue 8); no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep.errors import InputError
from odsweep.storage import _gcs


@pytest.fixture(autouse=True)
def _no_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file; point it at a service-account key file or unset it"),
        ("{not json", "not a JSON key file; download the key again or unset it"),
        ("[1, 2]", 'without a "type" field, not a key file; download the key again or unset it'),
    ],
)
def test_a_bad_key_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str | None, message: str
) -> None:
    key = tmp_path / "key.json"
    if content is not None:
        key.write_text(content)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    with pytest.raises(InputError, match=f"^gs://: GOOGLE_APPLICATION_CREDENTIALS={key}: ") as exc:
        _gcs._make_client(None)
    assert str(exc.value).endswith(message)


def test_a_folder_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path))
    with pytest.raises(InputError, match=r": is a folder; point it at the key file$"):
        _gcs._make_client(None)
