"""Parses a search-space document into a :class:`SearchSpec`, reporting every problem."""

from __future__ import annotations

import re
from types import MappingProxyType

from odsweep.errors import InputError
from odsweep.results import Constraint
from odsweep.spec._algorithms import check_algorithm_fit, parse_algorithm
from odsweep.spec._branches import check_algorithm_supports_when
from odsweep.spec._budget import check_combination, check_hyperband
from odsweep.spec._cluster import parse_cluster
from odsweep.spec._early import parse_early_stopping
from odsweep.spec._kube import is_dns1123_label
from odsweep.spec._model import (
    DEFAULT_STALL_TIMEOUT_SECONDS,
    AlgorithmName,
    AshaStopping,
    EarlyStopping,
    ExportInputType,
    ExportSpec,
    Objective,
    SearchSpec,
)
from odsweep.spec._objective import parse_objective
from odsweep.spec._parameters import (
    CONFIG_PATH_RULE,
    RESERVED_CONFIG_PATHS,
    is_config_path,
    parse_parameters,
)
from odsweep.spec._paths import resolve
from odsweep.spec._problems import (
    NOTHING,
    Problems,
    Reader,
    as_mapping,
    join,
)
from odsweep.spec._tradeoffs import check_multi_objective, parse_constraints
from odsweep.spec._warmstart import CHECKPOINT_KEY, TYPE_KEY, parse_warm_start
from odsweep.spec._yaml import MAX_INT, out_of_range

API_VERSION = "odsweep/v1alpha1"
KIND = "SearchSpace"

# Katib names trials "<experiment>-<8 chars>", their pods "<trial>-<5 chars>" and the
# suggestion service "<experiment>-<algorithm>" (up to 17 more characters for
# "-multivariate-tpe"); all must stay DNS labels of <= 63 characters. 40 leaves room.
MAX_NAME_LENGTH = 40
MAX_STEPS = 2**32 - 1
MAX_COUNT = 2**31 - 1

TOP_KEYS = ("apiVersion", "kind", "metadata", "spec")
SPEC_KEYS = (
    "pipelineConfigPath",
    "trainInputPath",
    "evalInputPath",
    "labelMapPath",
    "numTrainSteps",
    "checkpointEveryNSteps",
    "sample1OfNEvalExamples",
    "overrides",
    "objective",
    "algorithm",
    "earlyStopping",
    "parallelTrialCount",
    "maxTrialCount",
    "maxFailedTrialCount",
    "parameters",
    "export",
    "cluster",
    "trialStallTimeoutSeconds",
    "trialTimeoutSeconds",
    CHECKPOINT_KEY,
    TYPE_KEY,
)


def parse_spec(data: object, *, source: str, base_dir: str) -> SearchSpec:
    """Validate a loaded YAML document and build the :class:`SearchSpec`.

    Args:
        data: The document as ``yaml.safe_load`` returns it.
        source: Path or URI of the file, recorded in the spec and used in messages.
        base_dir: Folder that relative paths are resolved against (``gs://`` allowed).

    Raises:
        InputError: With one line per problem, all of them at once.
    """
    problems = Problems()
    bad_numbers = out_of_range(data)
    for key_path, text in bad_numbers:
        problems.add(
            key_path or source,
            f"number out of range (integers at most {MAX_INT} in magnitude, the OD API's "
            "widest field; floats finite)",
            str(text),
            "write a number in range",
        )
    reported = len(problems)
    spec = _parse_root(data, source, base_dir, problems)
    # A marker the parser then also met is already named: keep one line per key.
    paths = tuple(f"{p}:" for p, _ in bad_numbers)
    problems.messages[reported:] = [
        m for m in problems.messages[reported:] if not m.startswith(paths)
    ]
    problems.raise_if_any()
    if spec is None:  # every None path above records a problem; kept for type narrowing
        raise InputError(f"{source}: not a valid search space")
    return spec


def _parse_root(data: object, source: str, base_dir: str, problems: Problems) -> SearchSpec | None:
    root = as_mapping(data, source, problems)
    if root is None:
        return None
    problems.unknown_keys(root, source, TOP_KEYS)
    top = Reader(root, "", problems)
    for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        if not top.has(key):
            top.missing(key, expected)
        elif top.raw(key) != expected:
            problems.add(key, f"must be {expected}", top.raw(key))
    name = _parse_name(top.raw("metadata"), problems)
    if not top.has("spec"):
        top.missing("spec", "the search space")
        return None
    body = as_mapping(top.raw("spec"), "spec", problems)
    if body is None:
        return None
    problems.unknown_keys(body, "spec", SPEC_KEYS)
    return _parse_body(Reader(body, "spec", problems), name, source, base_dir)


def _parse_name(value: object, problems: Problems) -> str | None:
    if value is NOTHING or value is None:
        problems.add("metadata", "is required", fix="add metadata: {name: <a-dns-label>}")
        return None
    mapping = as_mapping(value, "metadata", problems)
    if mapping is None:
        return None
    problems.unknown_keys(mapping, "metadata", ("name",))
    reader = Reader(mapping, "metadata", problems)
    name = reader.string("name", required=True, what="a DNS-1123 label")
    # A DNS-1123 label that starts with a letter (Katib's rule for Experiment names).
    if name is not None and not (is_dns1123_label(name, MAX_NAME_LENGTH) and name[:1].isalpha()):
        guess = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:MAX_NAME_LENGTH]
        guess = guess.lstrip("0123456789-").rstrip("-") or "search"
        problems.add(
            "metadata.name",
            f"must be a DNS-1123 label starting with a letter ([a-z0-9-], at most "
            f"{MAX_NAME_LENGTH} characters: Katib derives trial, pod and service names "
            "from it)",
            name,
            f"e.g. {guess!r}",
        )
        return None
    return name


def _parse_body(spec: Reader, name: str | None, source: str, base_dir: str) -> SearchSpec | None:
    problems = spec.problems
    before = len(problems)

    def path(key: str, *, required: bool) -> str | None:
        text = spec.string(key, required=required, what="a non-empty path")
        return _resolve(spec, key, text, base_dir) if text is not None else None

    pipeline = path("pipelineConfigPath", required=True)
    train, evals, label_map = (
        path(k, required=False) for k in ("trainInputPath", "evalInputPath", "labelMapPath")
    )
    # The OD API's step fields are uint32; Katib's trial counts are int32.
    positive = "an integer > 0"
    steps = spec.bounded_int("numTrainSteps", low=1, high=MAX_STEPS, what=positive, required=True)
    every = spec.bounded_int(
        "checkpointEveryNSteps", low=1, high=MAX_STEPS, what=positive, required=True
    )
    if steps is not None and every is not None and every > steps:
        problems.add(spec.at("checkpointEveryNSteps"), f"must be <= numTrainSteps ({steps})", every)
        every = None
    sample = spec.bounded_int(
        "sample1OfNEvalExamples",
        low=1,
        high=MAX_STEPS,
        what="an integer >= 1",
        required=False,
        default=1,
    )
    overrides = _parse_overrides(spec)
    warm_start = parse_warm_start(spec, path(CHECKPOINT_KEY, required=False), overrides or {})
    objective = parse_objective(spec)
    algorithm = None
    if spec.has("algorithm"):
        algorithm = parse_algorithm(spec.raw("algorithm"), spec.at("algorithm"), problems)
    else:
        spec.missing("algorithm", "{algorithmName: tpe}")
    parallel = spec.bounded_int(
        "parallelTrialCount", low=1, high=MAX_COUNT, what=positive, required=False, default=1
    )
    trials = spec.bounded_int("maxTrialCount", low=1, high=MAX_COUNT, what=positive, required=True)
    failed = spec.bounded_int(
        "maxFailedTrialCount",
        low=0,
        high=MAX_COUNT,
        what="an integer >= 0",
        required=False,
    )
    for key, count in (("parallelTrialCount", parallel), ("maxFailedTrialCount", failed)):
        if count is not None and trials is not None and count > trials:
            problems.add(spec.at(key), f"must be <= maxTrialCount ({trials})", count)
    params = parse_parameters(
        spec.raw("parameters"),
        spec.at("parameters"),
        problems,
        overrides=overrides or {},
        hyperband=algorithm is not None and algorithm.name is AlgorithmName.HYPERBAND,
    )
    if params is not None and algorithm is not None:
        check_algorithm_fit(algorithm, params, trials, problems)
        check_algorithm_supports_when(algorithm.name, params, problems)
        check_hyperband(
            algorithm,
            params,
            num_train_steps=steps,
            every=every,
            max_trial_count=trials,
            problems=problems,
        )
    early: EarlyStopping | AshaStopping | None = None
    if spec.has("earlyStopping"):
        early = parse_early_stopping(spec, steps, every, trials)
        check_combination(algorithm, None if early is None else early.name, problems)
    if objective is not None and algorithm is not None:
        check_multi_objective(algorithm.name, objective.tradeoffs, problems)
    export = _parse_export(spec, base_dir, objective)
    seconds = "an integer number of seconds > 0"
    stall = spec.bounded_int(
        "trialStallTimeoutSeconds",
        low=1,
        what=seconds,
        required=False,
        default=DEFAULT_STALL_TIMEOUT_SECONDS,
    )
    time_limit = spec.bounded_int("trialTimeoutSeconds", low=1, what=seconds, required=False)
    cluster = None
    if spec.has("cluster"):
        cluster = parse_cluster(spec.raw("cluster"), spec.at("cluster"), problems)
    if (
        len(problems) != before
        or name is None
        or pipeline is None
        or steps is None
        or every is None
        or sample is None
        or overrides is None
        or objective is None
        or algorithm is None
        or parallel is None
        or trials is None
        or params is None
        or export is None
        or stall is None
    ):
        return None
    return SearchSpec(
        name=name,
        source=source,
        pipeline_config_path=pipeline,
        train_input_path=train,
        eval_input_path=evals,
        label_map_path=label_map,
        num_train_steps=steps,
        checkpoint_every_n_steps=every,
        sample_1_of_n_eval_examples=sample,
        overrides=MappingProxyType(overrides),
        objective=objective,
        algorithm=algorithm,
        early_stopping=early,
        parallel_trial_count=parallel,
        max_trial_count=trials,
        max_failed_trial_count=failed,
        parameters=tuple(params),
        export=export,
        cluster=cluster,
        trial_stall_timeout_seconds=stall,
        trial_timeout_seconds=time_limit,
        warm_start=warm_start,
    )


def _parse_overrides(spec: Reader) -> dict[str, object] | None:
    if not spec.has("overrides"):
        return {}
    path = spec.at("overrides")
    mapping = as_mapping(spec.raw("overrides"), path, spec.problems)
    if mapping is None:
        return None
    result: dict[str, object] = {}
    for key, value in mapping.items():
        key_path = join(path, key)
        if not is_config_path(key):
            spec.problems.add(key_path, CONFIG_PATH_RULE, key)
        elif key in RESERVED_CONFIG_PATHS:
            where = RESERVED_CONFIG_PATHS[key]
            spec.problems.add(key_path, f"is set by {where}", key, f"set {where} instead")
        scalar = (str, int, float, bool)
        if isinstance(value, list) and all(isinstance(v, scalar) for v in value):
            result[key] = tuple(value)
        elif isinstance(value, scalar):
            result[key] = value
        else:
            spec.problems.add(
                key_path,
                "must be a scalar or a list of scalars",
                value,
                "write one dotted config path per field",
            )
    return result


def _parse_export(spec: Reader, base_dir: str, objective: Objective | None) -> ExportSpec | None:
    if not spec.has("export"):
        return ExportSpec()
    path = spec.at("export")
    mapping = as_mapping(spec.raw("export"), path, spec.problems)
    if mapping is None:
        return None
    spec.problems.unknown_keys(mapping, path, ("inputType", "outputDirectory", "constraints"))
    reader = Reader(mapping, path, spec.problems)
    before = len(spec.problems)
    constraints: tuple[Constraint, ...] = ()
    if reader.has("constraints"):
        constraints = parse_constraints(
            reader.raw("constraints"),
            reader.at("constraints"),
            spec.problems,
            collected=None if objective is None else objective.metrics,
        )
    kinds = {t.value: t.value for t in ExportInputType}
    kind = reader.choice("inputType", kinds, required=False, default="image_tensor")
    out = reader.string("outputDirectory", required=False, what="a non-empty path")
    if kind is None or (reader.has("outputDirectory") and out is None):
        return None
    where = _resolve(reader, "outputDirectory", out, base_dir) if out else None
    if (out and where is None) or len(spec.problems) != before:
        return None
    return ExportSpec(ExportInputType(kind), where, constraints)


def _resolve(reader: Reader, key: str, text: str, base_dir: str) -> str | None:
    """``resolve``, its refusal (a scheme other than gs://) added to the problems."""
    try:
        return resolve(text, base_dir, key=reader.at(key))
    except InputError as exc:
        reader.problems.messages.extend(exc.messages)
        return None
