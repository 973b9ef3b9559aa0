"""PostgreSQL URLs reach SQLAlchemy with the driver in the lock; MySQL is refused."""

from __future__ import annotations

import pytest

from odsweep.errors import InputError
from odsweep.storage import check_study_url, engine_url


@pytest.mark.parametrize(
    ("given", "opened"),
    [
        ("postgresql://u:pw@db:5432/s", "postgresql+psycopg://u:pw@db:5432/s"),
        ("postgres://u@db/s", "postgresql+psycopg://u@db/s"),
        ("PostgreSQL://u@db/s", "postgresql+psycopg://u@db/s"),
        ("postgresql+psycopg2://u@db/s", "postgresql+psycopg2://u@db/s"),
        ("sqlite:///study.db", "sqlite:///study.db"),
    ],
)
def test_a_bare_postgresql_url_is_opened_with_psycopg_3(given: str, opened: str) -> None:
    assert engine_url(given) == opened


def test_mysql_is_refused_without_its_password() -> None:
    with pytest.raises(
        InputError,
        match=r"^--storage: MySQL studies are not supported, got 'mysql://u:\*\*\*@db/s'; "
        r"use PostgreSQL \(postgresql://USER:PASSWORD@HOST/DB\) to share a study",
    ):
        check_study_url("mysql://u:secret@db/s")


def test_an_unreachable_postgresql_server_is_named_without_its_password() -> None:
    # Port 9 on 127.0.0.1 (discard) has no server: the driver is found, the connect fails.
    with pytest.raises(InputError) as caught:
        check_study_url("postgresql://u:secret@127.0.0.1:9/s")
    assert str(caught.value).startswith(
        "--storage: cannot connect to postgresql://u:***@127.0.0.1:9/s: "
    )
    assert "secret" not in str(caught.value)
