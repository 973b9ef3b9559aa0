"""Start a run of a compiled pipeline package on a Kubeflow Pipelines server."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from odsweep.errors import InputError

logger = logging.getLogger(__name__)

# The IR's parameter types (pipeline_spec.proto) -> how a command-line value converts.
_CONVERT = {
    "STRING": str,
    "NUMBER_INTEGER": int,
    "NUMBER_DOUBLE": float,
}


def run_url(host: str, run_id: str) -> str:
    """The run's page in the KFP UI, as the KFP client builds it for a given host."""
    base = host.rstrip("/")
    if not base.startswith(("http://", "https://")):
        base = "http://" + base
    return f"{base}/#/runs/details/{run_id}"


def package_parameters(package_path: str) -> dict[str, dict[str, Any]]:
    """The pipeline's run parameters as the package declares them (name -> definition).

    Raises:
        InputError: The package is missing or is not a compiled KFP pipeline.
    """
    try:
        with open(package_path, encoding="utf-8") as fh:
            doc = next(yaml.safe_load_all(fh))
    except FileNotFoundError:
        raise InputError(
            f"--package: file not found, got {package_path!r}; run odsweep pipeline compile"
        ) from None
    except (OSError, yaml.YAMLError, StopIteration) as exc:
        raise InputError(f"--package: cannot read {package_path!r} ({exc})") from None
    try:
        params = doc["root"]["inputDefinitions"]["parameters"]
    except (KeyError, TypeError):
        raise InputError(
            f"--package: {package_path!r} is not a compiled KFP pipeline (no root inputs)"
        ) from None
    return {str(k): dict(v) for k, v in params.items()}


def parse_arguments(
    assignments: Sequence[tuple[str, str]], declared: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """``NAME=VALUE`` pairs typed as the package declares them, checked all at once.

    A value ``@PATH`` is replaced by that file's text (``search_space=@spec.yaml`` sends
    the YAML inline; its paths must then be absolute or ``gs://``).

    Raises:
        InputError: Unknown names, values that do not convert, unreadable ``@`` files,
            or required parameters without a value.
    """
    problems: list[str] = []
    out: dict[str, Any] = {}
    for name, raw in assignments:
        if name not in declared:
            problems.append(
                f"--param {name}: not a parameter of this pipeline; one of "
                + ", ".join(sorted(declared))
            )
            continue
        value = raw
        if raw.startswith("@"):
            try:
                with open(raw[1:], encoding="utf-8") as fh:
                    value = fh.read()
            except OSError as exc:
                problems.append(f"--param {name}: cannot read {raw[1:]!r} ({exc.strerror})")
                continue
        kind = str(declared[name].get("parameterType", "STRING"))
        convert = _CONVERT.get(kind, str)
        try:
            out[name] = convert(value)
        except ValueError:
            problems.append(f"--param {name}: must be {kind.lower()}, got {raw!r}")
    for name, definition in sorted(declared.items()):
        if (
            name not in out
            and "defaultValue" not in definition
            and not definition.get("isOptional")
        ):
            problems.append(f"--param {name}: required (the pipeline has no default for it)")
    if problems:
        raise InputError(problems)
    return out


def submit(
    *,
    host: str,
    namespace: str | None,
    experiment_name: str,
    params: Mapping[str, Any],
    package_path: str,
    run_name: str | None = None,
) -> tuple[str, str]:
    """Create a run of ``package_path`` on the KFP server at ``host``; return its link.

    Args:
        host: The KFP API/UI address, e.g. ``https://kubeflow.example.com/pipeline``.
        namespace: The Kubeflow profile namespace (multi-user installs), or None.
        experiment_name: The KFP experiment the run joins (created if missing).
        params: Run arguments by parameter name, already typed.
        package_path: The compiled pipeline YAML.
        run_name: The run's display name; default: the package name and the time.

    Returns:
        ``(run_id, url)`` of the new run.
    """
    import kfp

    if not os.path.isfile(package_path):
        raise InputError(
            f"--package: file not found, got {package_path!r}; run odsweep pipeline compile"
        )
    client = kfp.Client(host=host, namespace=namespace)
    result = client.create_run_from_pipeline_package(
        package_path,
        arguments=dict(params),
        run_name=run_name,
        experiment_name=experiment_name,
        namespace=namespace,
    )
    run_id = str(result.run_id)
    url = run_url(host, run_id)
    logger.info("created run %s: %s", run_id, url)
    return run_id, url
