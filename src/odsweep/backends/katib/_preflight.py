"""What Katib would refuse or mishandle, checked before anything reaches a cluster.

Runs after :func:`odsweep.validation.check_spec` passed, so it adds only what depends
on Katib itself and on the cluster options:

- the StdOut ``metricsFormat`` compiles, has exactly two capturing groups (Katib's
  webhook counts every group, as Go's ``NumSubexp`` does) and uses nothing Go's RE2
  lacks; each objective/additional metric survives the round trip from the trial's own
  printed line through Katib's collector logic (substring pre-filter, ``findall`` over
  the whole line, trimmed groups, exact name match);
- names Katib derives fit Kubernetes' 63-character limit: each trial (and its Job, and
  the ``job-name`` label of its pod) is ``<experiment>-<8 random characters>``; the
  suggestion Deployment/Service and their ``katib.kubeflow.org/deployment`` label are
  ``<experiment>-<algorithm>``;
- every word of the trial command survives ``sh -c`` unquoted: only letters, digits and
  ``. _ : / @ + = -`` (Katib's collector joins command and args with spaces);
- storage the pod can reach (the URI rule is :func:`odsweep.storage.is_remote`):
  ``model_dir`` must be ``gs://BUCKET/...`` (a pod's disk is
  gone with the pod); ``spec_uri`` must be ``gs://...`` or an absolute path given
  explicitly (a file inside the image). The spec's own path (the default) and local
  absolute paths need ``allow_local_paths``; relative paths are always refused (a pod
  has no meaningful working directory);
- the option values given as flags follow Kubernetes' syntax (the spec's ``cluster:``
  block was checked by the spec layer with the same rules).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from odsweep import results, storage
from odsweep.backends.katib._manifest import spec_uri_of, trial_args
from odsweep.backends.katib._options import KatibOptions
from odsweep.errors import InputError
from odsweep.spec import AlgorithmName, AshaStopping, Objective, ParameterType, SearchSpec
from odsweep.spec._hyperband import katib_min_parallel

# The spec layer's own Kubernetes syntax rules, so a flag accepts what the YAML key does.
from odsweep.spec._kube import (
    CREDENTIALS_ENV,
    MAX_LABEL,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_quantity,
)

MAX_NAME = MAX_LABEL
TRIAL_SUFFIX = 9
"""``-`` plus the 8 random characters Katib appends to the Experiment name per trial."""

SHELL_SAFE_CHARS = "letters, digits and . _ : / @ + = -"
# fullmatch, not ^...$: "$" also matches before a trailing newline, which ends sh's command.
_SHELL_SAFE_RE = re.compile(r"[A-Za-z0-9._:/@+=-]+")
_UNSAFE_CHAR_RE = re.compile(r"[^A-Za-z0-9._:/@+=-]")
# Katib's own placeholder regex (consts.TrialTemplateParamReplaceFormatRegex): names such
# as num-layers or a.b are placeholders too.
_PLACEHOLDER_RE = re.compile(r"\$\{trialParameters\..+?\}")
# Python-only regex syntax that Go's RE2 (Katib's collector) rejects or reads otherwise.
_RE2_UNSUPPORTED = (
    ("(?=", "look-ahead"),
    ("(?!", "negative look-ahead"),
    ("(?<=", "look-behind"),
    ("(?<!", "negative look-behind"),
    ("(?>", "atomic groups"),
    ("(?#", "comments"),
)
_BACKREFERENCE_RE = re.compile(r"(?<!\\)\\[1-9]|\(\?P=")
_PROBE_TIMESTAMP = "2026-01-01T00:00:00Z"
# Values the round trip prints: plain, and signed with an exponent (repr gives both forms).
_PROBE_VALUES = (0.25, -1.5e-05)


def check_for_katib(spec: SearchSpec, options: KatibOptions) -> None:
    """Refuse what Katib's webhook, controllers or suggestion services would trip on.

    Raises:
        InputError: one line per problem (key, rule, value, fix), all at once.
    """
    problems = _check_options(options)
    problems += check_budget_for_katib(spec)
    problems += _check_storage(spec, options)
    problems += check_names(spec)
    format_problems = check_metrics_format(results.METRICS_FORMAT)
    problems += format_problems
    if not format_problems:
        problems += check_metric_names(spec.objective, results.METRICS_FORMAT)
    if not problems:
        # Last net for anything else in the args (a future flag, a changed template).
        problems += check_args_shell_safe(trial_args(spec, options))
    if problems:
        raise InputError(problems)


def check_budget_for_katib(spec: SearchSpec) -> list[str]:
    """What Katib's services refuse of budget-based search (spec rules already held).

    Katib has no ASHA early-stopping service (it ships medianstop only); its hyperband
    service refuses ``parallelTrialCount < ceil(eta ** s_max)`` with its own float
    ``s_max``, and reads a discrete list with ``int()`` (a fractional value crashes it).
    """
    problems = []
    if isinstance(spec.early_stopping, AshaStopping):
        problems.append(
            "spec.earlyStopping.algorithmName: Katib has no asha early-stopping service, got "
            "'asha'; use medianstop, or algorithm hyperband without earlyStopping, or run "
            "asha with --backend local"
        )
    if spec.algorithm.name is not AlgorithmName.HYPERBAND:
        return problems
    r_l, eta = int(spec.algorithm.setting("r_l", 1)), int(spec.algorithm.setting("eta", 3))
    least = katib_min_parallel(r_l, eta)
    if spec.parallel_trial_count < least:
        problems.append(
            f"spec.parallelTrialCount: Katib's hyperband service needs at least "
            f"ceil(eta ** s_max) = {least} (r_l={r_l}, eta={eta}), got "
            f"{spec.parallel_trial_count}; raise parallelTrialCount to {least} or run with "
            "--backend local"
        )
    for i, param in enumerate(spec.parameters):
        fractional = [v for v in param.values if isinstance(v, float) and not float(v).is_integer()]
        if param.type is ParameterType.DISCRETE and fractional:
            problems.append(
                f"spec.parameters[{i}].feasibleSpace.list: Katib's hyperband service reads "
                f"discrete values with int(), got {fractional[0]!r}; use parameterType "
                "categorical for these values, or run with --backend local"
            )
    return problems


def check_metrics_format(metrics_format: str) -> list[str]:
    """Problems Katib's webhook or its Go collector would have with ``metrics_format``."""
    try:
        compiled = re.compile(metrics_format)
    except re.error as exc:
        return [
            f"metricsFormat: does not compile ({exc}), got {metrics_format!r}; "
            "fix odsweep.results.METRICS_FORMAT"
        ]
    problems = []
    if compiled.groups != 2:
        problems.append(
            f"metricsFormat: must have exactly 2 capturing groups (name, value), as Katib's "
            f"webhook requires, got {compiled.groups} in {metrics_format!r}; make the "
            "others non-capturing (?:...)"
        )
    unsupported = [what for token, what in _RE2_UNSUPPORTED if token in metrics_format]
    if _BACKREFERENCE_RE.search(metrics_format):
        unsupported.append("backreferences")
    if unsupported:
        problems.append(
            f"metricsFormat: uses {', '.join(unsupported)}, which Go's RE2 (Katib's "
            f"collector) does not support, got {metrics_format!r}"
        )
    return problems


def collected(line: str, names: Sequence[str], metrics_format: str) -> list[tuple[str, str]]:
    """``(name, value)`` pairs Katib's StdOut collector records from one line.

    Katib skips lines that contain none of the names, runs the regex over the whole
    line (all matches), trims both groups and keeps names that equal a metric exactly.
    """
    if not any(name in line for name in names):
        return []
    out = []
    for name, value in re.compile(metrics_format).findall(line):
        if name.strip() in names:
            out.append((name.strip(), value.strip()))
    return out


def check_metric_names(objective: Objective, metrics_format: str) -> list[str]:
    """Problems with reading each objective metric back from the trial's printed line."""
    problems = []
    names = objective.metrics
    keys = ["spec.objective.objectiveMetricName"] + [
        f"spec.objective.additionalMetricNames[{i}]"
        for i in range(len(objective.additional_metrics))
    ]
    tradeoff_names = [t.metric for t in objective.tradeoffs]
    keys += [
        f"spec.objective.tradeoffs[{tradeoff_names.index(name)}].objectiveMetricName"
        for name in objective.collected[len(objective.additional_metrics) :]
    ]
    for key, name in zip(keys, names, strict=True):
        for value in _PROBE_VALUES:
            lines = results.format_metric_lines({name: value}, timestamp=_PROBE_TIMESTAMP)
            if not lines:
                problems.append(f"{key}: the trial never prints {name!r} (not reportable)")
                break
            got = collected(lines[0], names, metrics_format)
            if got != [(name, repr(value))]:
                problems.append(
                    f"{key}: Katib's StdOut collector reads {got or 'nothing'} from the "
                    f"trial's line {lines[0]!r}, not {name}={value!r}; rename the metric "
                    "or fix odsweep.results.METRICS_FORMAT"
                )
                break
    return problems


def check_names(spec: SearchSpec) -> list[str]:
    """Problems with the names Katib derives from ``metadata.name``."""
    problems = []
    name = spec.name
    if len(name) + TRIAL_SUFFIX > MAX_NAME:
        problems.append(
            f"metadata.name: Katib names each trial (its Job, and its pods' job-name label) "
            f"'<name>-<8 random characters>', at most {MAX_NAME} characters, so the name "
            f"may have at most {MAX_NAME - TRIAL_SUFFIX}, got {name!r} ({len(name)}); "
            "shorten it"
        )
    algorithm = spec.algorithm.name.value
    service = f"{name}-{algorithm}"
    if len(service) > MAX_NAME:
        problems.append(
            f"metadata.name: Katib names the suggestion Service and Deployment "
            f"'<name>-{algorithm}' ({service!r}, {len(service)} characters), at most "
            f"{MAX_NAME} allowed; shorten the name to at most "
            f"{MAX_NAME - 1 - len(algorithm)} characters"
        )
    return problems


def unsafe_chars(text: str) -> str:
    """The distinct characters of ``text`` that ``sh -c`` could misread, in order."""
    return "".join(dict.fromkeys(_UNSAFE_CHAR_RE.findall(text)))


def check_args_shell_safe(args: Sequence[str]) -> list[str]:
    """Problems with container args that would not reach the trial unchanged via ``sh -c``."""
    problems = []
    for arg in args:
        # Katib replaces the placeholders before the shell runs; what is left is literal.
        literal = _PLACEHOLDER_RE.sub("", arg)
        if literal and not _SHELL_SAFE_RE.fullmatch(literal):
            problems.append(
                f"trial command: argument {arg!r} contains {unsafe_chars(literal)!r}, which "
                f"sh -c would interpret; use only {SHELL_SAFE_CHARS}"
            )
    return problems


def _shell_problem(key: str, value: str) -> str | None:
    if not value:
        return f"{key}: must not be empty"
    if _SHELL_SAFE_RE.fullmatch(value):
        return None
    return (
        f"{key}: contains {unsafe_chars(value)!r}, which Katib's sh -c wrapper would "
        f"interpret, got {value!r}; use only {SHELL_SAFE_CHARS} (rename or move it)"
    )


def _remote(key: str, uri: str, problems: list[str]) -> bool | None:
    """``storage.is_remote``, its InputError added to ``problems`` (None then)."""
    try:
        return storage.is_remote(uri, key=key)
    except InputError as exc:
        problems.extend(exc.messages)
        return None


def _check_storage(spec: SearchSpec, options: KatibOptions) -> list[str]:
    problems: list[str] = []
    model_dir = options.model_dir
    bad = _shell_problem("--model-dir", model_dir)
    if bad:
        problems.append(bad)
    elif (remote := _remote("--model-dir", model_dir, problems)) is None:
        pass
    elif remote:
        if not storage.bucket_of(model_dir):
            problems.append(f"--model-dir: no bucket, got {model_dir!r}; use gs://BUCKET/PATH")
    elif not model_dir.startswith("/"):
        problems.append(
            f"--model-dir: a relative path means nothing inside a trial pod, got "
            f"{model_dir!r}; use gs://BUCKET/PATH"
        )
    elif not options.allow_local_paths:
        problems.append(
            f"--model-dir: a local path is lost with each trial's pod (checkpoints, "
            f"result.json), got {model_dir!r}; use gs://BUCKET/PATH, or pass "
            "--allow-local-paths if you mount a volume there"
        )
    explicit = options.spec_uri is not None
    spec_uri = spec_uri_of(spec, options)
    key = "--spec-uri" if explicit else f"--spec-uri (not given, so the spec's path {spec.source})"
    bad = _shell_problem(key, spec_uri)
    if bad:
        problems.append(bad)
    elif (remote := _remote(key, spec_uri, problems)) is None or remote:
        pass
    elif not spec_uri.startswith("/"):
        problems.append(
            f"{key}: a relative path means nothing inside a trial pod, got {spec_uri!r}; "
            "upload the spec and pass --spec-uri gs://BUCKET/PATH/spec.yaml"
        )
    elif not explicit and not options.allow_local_paths:
        problems.append(
            f"{key}: that file is on this machine, not in the trial pod; upload it and "
            "pass --spec-uri gs://BUCKET/PATH/spec.yaml (or --spec-uri /path/inside/image), "
            "or pass --allow-local-paths"
        )
    return problems


def _check_options(options: KatibOptions) -> list[str]:
    problems = []
    cluster = options.cluster
    if not cluster.image.strip():
        problems.append("--image: must not be empty; give the trial image (or spec.cluster.image)")
    elif any(c.isspace() for c in cluster.image):
        problems.append(f"--image: must not contain whitespace, got {cluster.image!r}")
    if cluster.gpus_per_trial < 0:
        problems.append(f"--gpus-per-trial: must be an integer >= 0, got {cluster.gpus_per_trial}")
    if cluster.namespace is not None and not is_dns1123_label(cluster.namespace):
        problems.append(
            "--namespace: must be a DNS-1123 label ([a-z0-9-], at most 63 characters), "
            f"got {cluster.namespace!r}"
        )
    for flag, quantity in (("--cpu", cluster.cpu), ("--memory", cluster.memory)):
        if quantity is not None and not is_quantity(quantity):
            problems.append(
                f"{flag}: must be a Kubernetes quantity (e.g. 4, 500m, 16Gi), got {quantity!r}"
            )
    for flag, name in (
        ("--service-account", cluster.service_account),
        ("--credentials-secret", options.credentials_secret),
    ):
        if name is not None and not is_dns1123_subdomain(name):
            problems.append(
                f"{flag}: must be a DNS-1123 subdomain ([a-z0-9-.], at most 253 characters), "
                f"got {name!r}"
            )
    deadline = cluster.active_deadline_seconds
    if deadline is not None and deadline <= 0:
        problems.append(f"activeDeadlineSeconds: must be an integer > 0, got {deadline}")
    if options.credentials_secret is not None and CREDENTIALS_ENV in cluster.env:
        problems.append(
            f"spec.cluster.env.{CREDENTIALS_ENV}: also set by --credentials-secret (to the "
            "mounted key); remove one of them"
        )
    return problems
