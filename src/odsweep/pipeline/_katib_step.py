"""The katib backend as the pipeline's steps use it: options, checks, the search, the link.

The search step creates the Experiment (or resumes the same one: a re-run of the
pipeline with the same ``model_dir`` and search follows it instead of starting over)
and follows it to its end through :mod:`odsweep.backends.katib`. The Experiment is kept
afterwards, so the report's Katib UI link keeps working.
"""

from __future__ import annotations

import re
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.pipeline._credentials import credentials_secret
from odsweep.results import SPEC_SNAPSHOT
from odsweep.spec import SearchSpec

POLL_SECONDS = 30.0
"""Time between readings of the Experiment: trials take minutes to hours."""


def check(spec: SearchSpec, model_dir: str) -> None:
    """What Katib would refuse or misread, as ``odsweep katib render`` checks it.

    Raises:
        InputError: Every problem; flags of ``katib render`` named as the parameters.
    """
    from odsweep.backends.katib import check_for_katib

    try:
        check_for_katib(spec, katib_options(spec, model_dir))
    except InputError as exc:
        raise InputError([_flag_to_parameter(m) for m in exc.messages]) from None


def _flag_to_parameter(message: str) -> str:
    """``--model-dir: ...`` -> ``model_dir: ...`` (the pipeline's parameter names)."""
    match = re.match(r"--([a-z][a-z-]*)(?=[:\[ .])", message)
    if not match:
        return message
    return match.group(1).replace("-", "_") + message[match.end() :]


def katib_options(spec: SearchSpec, model_dir: str) -> Any:
    """The Katib options of a pipeline run.

    Trials read the validate step's snapshot and write under ``model_dir``; namespace,
    image and pod settings come from the resolved spec (its ``cluster`` block, which the
    run parameters filled); storage credentials from the same Secret as this step.
    """
    from odsweep.backends.katib import KatibOptions

    return KatibOptions.from_spec(
        spec,
        model_dir=model_dir,
        spec_uri=storage.join(model_dir, SPEC_SNAPSHOT),
        credentials_secret=credentials_secret(),
    )


def katib_engine(
    spec: SearchSpec, *, model_dir: str, backend: Any = None, poll_seconds: float = POLL_SECONDS
) -> Any:
    """The Katib engine of a pipeline run: creates or resumes the Experiment and
    follows it to its end when run.

    Args:
        spec: The snapshot spec (validated).
        model_dir: The sweep's output root (``gs://``).
        backend: A ``KatibBackend``; default: the pod's service account (or kube config).
        poll_seconds: Time between readings of the Experiment.

    Returns:
        ``odsweep.backends.katib.KatibEngine``; its ``run()`` raises InputError for no
        Kubernetes configuration, not allowed, or another search under the same
        Experiment name.
    """
    from odsweep.backends.katib import KatibEngine

    return KatibEngine(
        spec,
        katib_options(spec, model_dir),
        backend=backend,
        on_existing="resume",
        poll_seconds=poll_seconds,
        show_progress=False,  # a pod's log: Katib's progress comes as log lines
    )


def katib_ui_url(kubeflow_url: str, namespace: str, experiment: str) -> str:
    """The Experiment's page in the Katib UI (relative to the host when none is given)."""
    return f"{kubeflow_url.rstrip('/')}/katib/experiment/{experiment}?ns={namespace}"
