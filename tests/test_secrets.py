"""Storage URL passwords never reach a log, stdout, stderr or an error (issue 8)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from odsweep.cli.main import configure_logging, main
from odsweep.secrets import MaskingFilter, mask_text, mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:s3cret@127.0.0.1:1/db", "postgresql://u:***@127.0.0.1:1/db"),
        ("mysql+pymysql://u:a/b@c@h/db", "mysql+pymysql://u:***@h/db"),
        ("postgresql://:pw@h/db", "postgresql://:***@h/db"),
        ("postgresql://h/db?user=u&password=x&a=b", "postgresql://h/db?user=u&password=***&a=b"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:////tmp/x:y@z.db", "sqlite:////tmp/x:y@z.db"),
        ("sqlite:///study.db", "sqlite:///study.db"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_text_masks_every_url_in_a_message() -> None:
    text = 'at postgresql://u:s3cret@h/db and "mysql://v:p2@h2/x" ok'
    assert mask_text(text) == 'at postgresql://u:***@h/db and "mysql://v:***@h2/x" ok'


def test_the_filter_masks_messages_args_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "study %s", ("mysql://u:p@h",), None)
    try:
        raise RuntimeError("cannot reach postgresql://u:s3cret@h/db")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "study mysql://u:***@h"
    assert record.exc_text is not None and "s3cret" not in record.exc_text
    assert "postgresql://u:***@h/db" in record.exc_text


def test_cli_logging_masks_any_record(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging(debug=False)
    handler = logging.getLogger().handlers[0]
    assert any(isinstance(f, MaskingFilter) for f in handler.filters)


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        # psycopg 3 is in the lock: port 1 refuses the connection.
        ("postgresql://u:s3cret@127.0.0.1:1/db", "cannot connect to {masked}: "),
        ("mysql://u:s3cret@127.0.0.1:1/db", "MySQL studies are not supported, got '{masked}'; "),
    ],
)
def test_a_password_url_that_cannot_be_used_fails_in_one_line_without_it(
    tmp_path: Path, url: str, refusal: str
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "odsweep", "run", "spec.yaml", "--storage", url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 2
    assert "s3cret" not in run.stdout + run.stderr
    assert run.stderr.count("\n") == 1
    expected = refusal.format(masked=mask_url(url))
    assert run.stderr.startswith(f"odsweep run: error: --storage: {expected}")


def test_a_sqlite_url_is_unchanged_and_an_error_message_is_masked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert mask_url(f"sqlite:///{tmp_path}/study.db") == f"sqlite:///{tmp_path}/study.db"
    code = main(["dashboard", str(tmp_path), "--storage", "postgresql://u:s3cret@h/db"])
    err = capsys.readouterr().err
    assert code == 2 and "s3cret" not in err and "postgresql://u:***@h/db" in err
