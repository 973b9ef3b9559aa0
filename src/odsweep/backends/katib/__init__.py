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
  (``odsweep.trial.metrics.METRICS_FORMAT``); metric strategies credit each trial with
  its best checkpoint (objective: its direction; ``Loss/...``: min; others: max).
- ``model_dir`` is a required option, not a spec key: where a sweep writes is a
  decision per run (the local engine takes ``--output`` too), so one spec serves many.
- Resume policy defaults to ``Never``; see :class:`ResumePolicy`.
"""

from __future__ import annotations

from odsweep.backends.katib._manifest import (
    API_VERSION,
    CONTAINER_NAME,
    CREDENTIALS_DIR,
    CREDENTIALS_ENV,
    CREDENTIALS_KEY,
    GPU_RESOURCE,
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
from odsweep.backends.katib._options import KatibOptions, ResumePolicy
from odsweep.backends.katib._preflight import check_for_katib

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
    "KatibOptions",
    "ResumePolicy",
    "check_for_katib",
    "metric_strategy",
    "placeholder",
    "render_experiment",
    "to_yaml",
    "trial_args",
]
