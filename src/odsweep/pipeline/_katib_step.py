"""The katib backend as the pipeline's steps use it: options, checks, the UI link.

Launching and following the Experiment is :func:`launch_katib_experiment`, the one
place to connect to ``odsweep.backends.katib`` once it launches Experiments.
"""

from __future__ import annotations

import re
from typing import Any

from odsweep import storage
from odsweep.errors import InputError, OdsweepError
from odsweep.pipeline._credentials import credentials_secret
from odsweep.spec import SearchSpec
from odsweep.sweep import SPEC_SNAPSHOT

_POD_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


class KatibUnavailable(OdsweepError):
    """The katib backend cannot launch Experiments in this build."""


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
    """The Katib options of a pipeline run: trials read the snapshot, credentials as here."""
    from odsweep.backends.katib import KatibOptions

    return KatibOptions.from_spec(
        spec,
        model_dir=model_dir,
        namespace=katib_namespace(spec),
        spec_uri=storage.join(model_dir, SPEC_SNAPSHOT),
        credentials_secret=credentials_secret(),
    )


def katib_namespace(spec: SearchSpec) -> str | None:
    """The spec's namespace, else the namespace this pod runs in (None off-cluster)."""
    if spec.cluster is not None and spec.cluster.namespace:
        return spec.cluster.namespace
    try:
        with open(_POD_NAMESPACE_FILE, encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def katib_ui_url(kubeflow_url: str, namespace: str | None, experiment: str) -> str:
    """The Experiment's page in the Katib UI (relative to the host when none is given)."""
    url = f"{kubeflow_url.rstrip('/')}/katib/experiment/{experiment}"
    return f"{url}?ns={namespace}" if namespace else url


def launch_katib_experiment(spec: SearchSpec, *, model_dir: str) -> tuple[bool, str]:
    """Create the Experiment, follow it to its end, return ``(succeeded, message)``.

    The contract the search step relies on: when it returns, every finished trial's
    ``result.json`` is under ``<model_dir>/trials/<trial>/`` (the trials write them
    there), so the winner is picked the same way as after a local search. Options come
    from :func:`katib_options` (the validate step checked them).

    Raises:
        KatibUnavailable: Always: ``odsweep.backends.katib`` renders Experiments but
            does not launch and follow them yet.
    """
    raise KatibUnavailable(
        "katib backend not available in this build: odsweep.backends.katib renders the "
        f"Experiment (odsweep katib render {model_dir}/{SPEC_SNAPSHOT}) but cannot launch "
        "and follow it yet; run with backend=optuna, or kubectl apply the rendered Experiment"
    )
