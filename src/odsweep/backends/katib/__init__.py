"""The Katib backend: a search space as a Kubeflow Katib ``Experiment`` (v1beta1).

Typical use::

    spec = load_spec("search_spaces/demo.yaml")
    check_spec(spec)                               # what `odsweep validate` checks
    options = KatibOptions.from_spec(spec, image="registry.example/odsweep:0.1",
                                     model_dir="gs://bucket/odsweep/ssd-demo",
                                     spec_uri="gs://bucket/odsweep/ssd-demo/spec.yaml")
    check_for_katib(spec, options)                 # what Katib would refuse or misread
    print(to_yaml(render_experiment(spec, options=options)))

Decisions:

- Each trial is a ``batch/v1`` Job running ``odsweep trial --spec SPEC_URI --trial-dir
  MODEL_DIR/trials/<trial name> --param NAME=VALUE ...``, the command the local engine
  runs; the trial name comes from ``${trialSpec.Name}`` through the ``trialName`` trial
  parameter. No ``--seed``: Katib offers no per-trial number, so every trial uses the
  trial command's default seed (0).
- Metrics: the StdOut collector with the trial's own regex
  (``odsweep.results.METRICS_FORMAT``); metric strategies credit each trial with
  its best checkpoint (objective: its direction; ``Loss/...``: min; others: max).
- ``model_dir`` is a required option, not a spec key: where a sweep writes is a
  decision per run (the local engine takes ``--output`` too), so one spec serves many.
- Resume policy defaults to ``Never``; see :class:`ResumePolicy`.

Running it (``_client``, ``_follow``, ``_winner``): :func:`run_search` does it all, or
step by step::

    backend = KatibBackend.from_kube_config()      # or KatibBackend(fake_api) in tests
    ref = backend.launch(spec, options, on_existing="resume")
    outcome = backend.follow(ref.name, ref.namespace, timeout_seconds=None, poll_seconds=30)
    if not outcome.succeeded:
        raise outcome.failure()                    # what failed, where to look
    write_best(options.model_dir, winner(outcome))  # the local engine's best.json

- An existing Experiment of the same name is resumed only when its search matches
  what this spec renders; it is never replaced.
- Only succeeded and early-stopped trials compete for the winner, read from their own
  ``result.json``, as in a local sweep.
"""

from __future__ import annotations

from odsweep.backends.katib._api import CustomObjectsApiLike
from odsweep.backends.katib._client import (
    ExperimentRef,
    KatibBackend,
    KatibSearch,
    OnExisting,
    run_search,
)
from odsweep.backends.katib._engine import KatibEngine
from odsweep.backends.katib._errors import (
    ExperimentFailed,
    ExperimentGone,
    FollowTimeout,
    KatibApiError,
    KatibError,
)
from odsweep.backends.katib._follow import KatibOutcome, KatibVerdict, follow
from odsweep.backends.katib._manifest import (
    API_VERSION,
    CONTAINER_NAME,
    CREDENTIALS_DIR,
    JOB_FAILURE_CONDITION,
    JOB_SUCCESS_CONDITION,
    KIND,
    TRIAL_COMMAND,
    TRIAL_NAME_PARAMETER,
    metric_strategy,
    placeholder,
    render_experiment,
    to_yaml,
    trial_args,
)
from odsweep.backends.katib._options import KatibOptions
from odsweep.backends.katib._preflight import check_for_katib
from odsweep.backends.katib._status import (
    ExperimentStatus,
    Phase,
    TrialCounts,
    TrialInfo,
    TrialState,
)
from odsweep.backends.katib._winner import trial_results, winner, winner_result
from odsweep.spec import ResumePolicy
from odsweep.spec._kube import CREDENTIALS_ENV, CREDENTIALS_KEY, GPU_RESOURCE

__all__ = [
    "API_VERSION",
    "CONTAINER_NAME",
    "CREDENTIALS_DIR",
    "CREDENTIALS_ENV",
    "CREDENTIALS_KEY",
    "GPU_RESOURCE",
    "JOB_FAILURE_CONDITION",
    "JOB_SUCCESS_CONDITION",
    "KIND",
    "TRIAL_COMMAND",
    "TRIAL_NAME_PARAMETER",
    "CustomObjectsApiLike",
    "ExperimentFailed",
    "ExperimentGone",
    "ExperimentRef",
    "ExperimentStatus",
    "FollowTimeout",
    "KatibApiError",
    "KatibBackend",
    "KatibEngine",
    "KatibError",
    "KatibOptions",
    "KatibOutcome",
    "KatibSearch",
    "KatibVerdict",
    "OnExisting",
    "Phase",
    "ResumePolicy",
    "TrialCounts",
    "TrialInfo",
    "TrialState",
    "check_for_katib",
    "follow",
    "metric_strategy",
    "placeholder",
    "render_experiment",
    "run_search",
    "to_yaml",
    "trial_args",
    "trial_results",
    "winner",
    "winner_result",
]
