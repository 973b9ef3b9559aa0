"""Checks a study's database URL (``--storage``) before anything runs or is written."""

from __future__ import annotations

import os

from odsweep.errors import InputError
from odsweep.secrets import mask_text, mask_url

_EXAMPLES = "e.g. sqlite:///study.db or postgresql://USER@HOST/DB (password as USER:PASSWORD)"
# SQLAlchemy reads a bare postgresql:// (and the libpq alias postgres://) as psycopg2;
# the lock ships psycopg 3, so those URLs are opened with its dialect.
_PSYCOPG_SCHEMES = ("postgresql://", "postgres://")
_PSYCOPG = "postgresql+psycopg://"


def engine_url(url: str) -> str:
    """The URL SQLAlchemy/Optuna are given for ``url``: a bare ``postgresql://`` or
    ``postgres://`` becomes ``postgresql+psycopg://`` (the driver in the lock); any other
    URL, an explicit ``postgresql+DRIVER://`` included, is unchanged."""
    lowered = url.lower()
    for scheme in _PSYCOPG_SCHEMES:
        if lowered.startswith(scheme):
            return _PSYCOPG + url[len(scheme) :]
    return url


# The pip package of each Python driver module SQLAlchemy may ask for.
_DRIVER_PACKAGES = {
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary",
    "pymysql": "pymysql",
    "MySQLdb": "mysqlclient",
}


def check_study_url(url: str, *, key: str = "--storage") -> None:
    """Refuse a study URL Optuna could not open, naming it with its password masked.

    Checks the syntax, the database kind, its Python driver, and for SQLite that the
    file's folder exists (nothing is created); for a server database it connects once.

    Raises:
        InputError: One line: ``key``, the masked URL, what is wrong and the fix.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    shown = mask_url(url)
    if url.lower().startswith("mysql"):
        # Optuna could use MySQL, but its driver is not in the lock and no MySQL server
        # was ever run against odsweep: refused rather than half supported.
        raise InputError(
            f"{key}: MySQL studies are not supported, got {shown!r}; use PostgreSQL "
            "(postgresql://USER:PASSWORD@HOST/DB) to share a study between machines"
        )
    try:
        parsed = make_url(engine_url(url))
    except (ArgumentError, ValueError):
        raise InputError(f"{key}: not a database URL, got {shown!r}; {_EXAMPLES}") from None
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise InputError(
            f"{key}: unknown database kind {parsed.drivername!r} in {shown!r}; {_EXAMPLES} "
            "(or mysql://...)"
        ) from None
    backend = parsed.get_backend_name()
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        package = _DRIVER_PACKAGES.get(exc.name or "", exc.name or "its driver")
        raise InputError(
            f"{key}: {shown!r} needs the Python driver {exc.name or parsed.drivername!r}, "
            f"which is not installed; pip install {package}"
        ) from None
    if backend == "sqlite":
        _check_sqlite(parsed.database, shown, key)
        return
    connect_args = {"connect_timeout": 10} if backend == "postgresql" else {}
    try:
        engine = create_engine(parsed, connect_args=connect_args)
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise InputError(
            f"{key}: cannot connect to {shown}: {mask_text(reason)[:300]}; check the host, "
            "port, user and password, and that the database exists"
        ) from None


def _check_sqlite(database: str | None, shown: str, key: str) -> None:
    if not database or database == ":memory:":
        raise InputError(
            f"{key}: {shown!r} names no file (an in-memory study is lost at exit); "
            "write sqlite:///PATH/study.db"
        )
    folder = os.path.dirname(os.path.abspath(database))
    if not os.path.isdir(folder):
        raise InputError(
            f"{key}: the folder of the study file {database} does not exist; create it or "
            "give another path"
        )
    if os.path.isdir(database):
        raise InputError(f"{key}: {database} is a folder; name the study file, e.g. study.db")
