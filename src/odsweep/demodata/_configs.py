"""The base pipeline.config shipped for the demo (``ssd_tiny``).

The ``*.config`` files live in this package and are package data: hatchling's
wheel target (``packages = ["src/odsweep"]``) includes every file under the package,
not only ``.py`` files, so :func:`base_config_path` works from an installed wheel too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from odsweep.errors import InputError

_SUFFIX = ".config"


def available_configs() -> tuple[str, ...]:
    """Names of the shipped base configs, sorted (e.g. ``("ssd_tiny",)``)."""
    root = resources.files(__package__ or "odsweep.demodata")
    return tuple(
        sorted(p.name[: -len(_SUFFIX)] for p in root.iterdir() if p.name.endswith(_SUFFIX))
    )


def base_config_path(name: str = "ssd_tiny") -> Path:
    """The file system path of a shipped base pipeline.config.

    Args:
        name: The config's name, without ``.config``.

    Returns:
        The path of ``<name>.config`` inside the installed package.

    Raises:
        InputError: No shipped config has that name; the message lists the names.
    """
    resource = resources.files(__package__ or "odsweep.demodata") / f"{name}{_SUFFIX}"
    if not resource.is_file():
        raise InputError(
            f"base config: no shipped config named {name!r}; "
            f"choose one of {', '.join(available_configs()) or '(none)'}"
        )
    # Packages installed as directories (wheels, editable installs) give real paths; a
    # zipped install would need resources.as_file, which odsweep's layout never uses.
    return Path(str(resource))
