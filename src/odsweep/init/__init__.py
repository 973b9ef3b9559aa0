"""``odsweep init``: draft a complete, commented search-space YAML from a pipeline.config.

:func:`draft_spec` reads the config (and the label map) and returns the YAML text;
:func:`write_spec` writes it without ever clobbering a file by accident. Only
``odconfig`` is used to read the protos, so TensorFlow is never imported.
"""

from __future__ import annotations

from odsweep import storage
from odsweep.errors import InputError
from odsweep.init._draft import Draft, InitRequest, draft_spec


def write_spec(text: str, output: str, *, force: bool = False) -> None:
    """Write the YAML atomically (temp file + rename: nothing half-written).

    Raises:
        InputError: ``output`` exists and ``force`` is off, or it is a folder.
    """
    if storage.is_dir(output):
        raise InputError(f"--output: {output!r} is a folder; give a file path such as x.yaml")
    if storage.exists(output) and not force:
        raise InputError(
            f"--output: {output!r} already exists; pass --force to overwrite it or choose "
            "another path"
        )
    storage.write_text_atomic(output, text)


__all__ = ["Draft", "InitRequest", "draft_spec", "write_spec"]
