"""Budget-based search: hyperband's resource rules and ASHA's settings, checked up front.

Decisions (README, "How the local engine maps Katib"):

- **hyperband**'s resource parameter is the training length. It is declared with
  ``configPath: train_config.num_steps`` (otherwise reserved), ``parameterType: int``,
  and its value counts eval intervals: a trial given ``r`` trains ``r *
  checkpointEveryNSteps`` steps. ``r_l`` is therefore a full trial:
  ``r_l * checkpointEveryNSteps == numTrainSteps``. ``maxTrialCount`` may not exceed
  the trials of the whole schedule (nothing is left to run after them).
- **asha**'s ``min_resource`` is in steps and a multiple of ``checkpointEveryNSteps``
  (a rung is an eval), and its first rung must fit in a trial.
- **Combinations**: hyperband already stops configurations early (each rung is a
  shorter trial), so hyperband with any ``earlyStopping`` is refused; asha and
  medianstop go with every other algorithm.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from odsweep.spec._hyperband import s_max, smallest_resource, total_trials
from odsweep.spec._model import ASHA, Algorithm, AlgorithmName, AshaStopping, SearchSpec
from odsweep.spec._parameters import RESERVED_CONFIG_PATHS
from odsweep.spec._problems import Problems, closest, coerce_int, join
from odsweep.spec._space import Parameter, ParameterType

NUM_STEPS_PATH = next(iter(RESERVED_CONFIG_PATHS))  # train_config.num_steps

ASHA_DEFAULTS = {"min_resource": None, "reduction_factor": 3, "min_early_stopping_rate": 0}
_ASHA_RULES = {
    "min_resource": (1, "an integer >= 1 (steps)"),
    "reduction_factor": (2, "an integer >= 2"),
    "min_early_stopping_rate": (0, "an integer >= 0"),
}

_SETTINGS = "spec.algorithm.algorithmSettings"


def resource_name(algorithm: Algorithm | None) -> str | None:
    """Hyperband's ``resource_name`` setting, or None (another algorithm, or unset)."""
    if algorithm is None or algorithm.name is not AlgorithmName.HYPERBAND:
        return None
    value = algorithm.setting("resource_name")
    return value if isinstance(value, str) else None


def check_hyperband(
    algorithm: Algorithm,
    parameters: Sequence[Parameter],
    *,
    num_train_steps: int | None,
    every: int | None,
    max_trial_count: int | None,
    problems: Problems,
) -> None:
    """Katib's rules for hyperband's settings, and odsweep's rules for its resource."""
    if algorithm.name is not AlgorithmName.HYPERBAND:
        return
    eta_value, r_l_value = algorithm.setting("eta", 3), algorithm.setting("r_l")
    name = resource_name(algorithm)
    for key, value in (("resource_name", name), ("r_l", r_l_value)):
        if value is None:
            problems.add(
                _SETTINGS,
                f"hyperband needs the setting {key} (Katib refuses the Experiment without "
                "r_l and resource_name)",
                fix="add {name: resource_name, value: <the step-count parameter>} and "
                "{name: r_l, value: <evals of a full trial>}",
            )
    if not isinstance(r_l_value, int) or not isinstance(eta_value, int) or name is None:
        return
    r_l, eta = r_l_value, eta_value
    if num_train_steps is not None and every is not None and r_l * every != num_train_steps:
        evals = num_train_steps / every
        problems.add(
            _SETTINGS,
            f"r_l must be numTrainSteps / checkpointEveryNSteps ({num_train_steps} / {every}"
            f" = {evals:g}): a trial given r trains r * checkpointEveryNSteps steps and r_l "
            "is a full trial",
            r_l,
            "set r_l, numTrainSteps and checkpointEveryNSteps so that they agree",
        )
    if r_l < eta:
        problems.add(
            _SETTINGS,
            f"r_l must be >= eta ({eta}), or hyperband has one bracket and halves nothing",
            r_l,
            "raise r_l (evaluate more often) or use algorithm random",
        )
        return
    for i, param in enumerate(parameters):
        if param.config_path == NUM_STEPS_PATH and param.name != name:
            problems.add(
                f"spec.parameters[{i}].configPath",
                f"only hyperband's resource parameter (resource_name={name}) may set it",
                param.config_path,
                f"set resource_name: {param.name}, or remove this parameter",
            )
    index = next((i for i, p in enumerate(parameters) if p.name == name), None)
    if index is None:
        guess = closest(name, [p.name for p in parameters])
        problems.add(
            _SETTINGS,
            "resource_name must be the name of one of spec.parameters (Katib refuses others)",
            name,
            f"did you mean {guess!r}?" if guess else "add the resource parameter",
        )
        return
    _check_resource(parameters[index], f"spec.parameters[{index}]", r_l, eta, problems)
    total = total_trials(r_l, eta)
    if max_trial_count is not None and max_trial_count > total:
        problems.add(
            "spec.maxTrialCount",
            f"must be <= the {total} trials of hyperband's brackets (r_l={r_l}, eta={eta}, "
            f"s_max={s_max(r_l, eta)}); nothing is left to run after them",
            max_trial_count,
            f"lower maxTrialCount to {total}",
        )


def _check_resource(param: Parameter, where: str, r_l: int, eta: int, problems: Problems) -> None:
    if param.config_path != NUM_STEPS_PATH:
        problems.add(
            f"{where}.configPath",
            f"hyperband's resource parameter must be the training length ({NUM_STEPS_PATH}; "
            "its value counts eval intervals)",
            param.config_path,
            f"set configPath: {NUM_STEPS_PATH}",
        )
    low = smallest_resource(r_l, eta)
    if param.type is not ParameterType.INT:
        problems.add(
            f"{where}.parameterType",
            "hyperband's resource parameter must be int (a count of eval intervals)",
            param.type.value,
            f"use parameterType int with feasibleSpace {{min: {low}, max: {r_l}}}",
        )
        return
    if param.step not in (None, 1) or (param.min or 0) > low or (param.max or 0) < r_l:
        problems.add(
            f"{where}.feasibleSpace",
            f"must hold every resource hyperband hands out ({low}..{r_l}, step 1)",
            param.describe(),
            f"use {{min: {low}, max: {r_l}}}",
        )


def check_combination(
    algorithm: Algorithm | None, early_name: str | None, problems: Problems
) -> None:
    """Refuse algorithm + early-stopping pairs that would stop a trial twice over."""
    if algorithm is None or early_name is None:
        return
    if algorithm.name is AlgorithmName.HYPERBAND:
        problems.add(
            "spec.earlyStopping",
            "cannot be combined with algorithm hyperband (its brackets already stop "
            "configurations early)",
            early_name,
            "remove earlyStopping, or use asha or medianstop with another algorithm",
        )


def parse_asha(
    items: Sequence[tuple[str, str, str]],
    settings_path: str,
    *,
    every: int | None,
    num_train_steps: int | None,
    problems: Problems,
) -> AshaStopping | None:
    """ASHA's settings (``min_resource`` required) from ``(path, name, text)`` triples."""
    before = len(problems)
    values: dict[str, int | None] = dict(ASHA_DEFAULTS)
    where = dict.fromkeys(values, settings_path)
    for item_path, setting, text in items:
        if setting not in values:
            guess = closest(setting, list(values))
            fix = f"did you mean {guess!r}?" if guess else f"valid: {', '.join(values)}"
            problems.add(join(item_path, "name"), f"unknown setting for {ASHA}", setting, fix)
            continue
        low, rule = _ASHA_RULES[setting]
        number = coerce_int(text)
        if number is None or number < low:
            problems.add(join(item_path, "value"), f"{setting} must be {rule}", text)
            continue
        values[setting], where[setting] = number, join(item_path, "value")
    least = values["min_resource"]
    if least is None and len(problems) == before:
        problems.add(
            settings_path,
            "asha needs the setting min_resource (steps to the first rung)",
            fix=f"add {{name: min_resource, value: {every or 'checkpointEveryNSteps'}}}",
        )
    if least is not None and every is not None and least % every:
        problems.add(
            where["min_resource"],
            f"min_resource must be a multiple of checkpointEveryNSteps ({every}): a rung is "
            "an eval",
            least,
            f"use {max(every, least // every * every)}",
        )
    factor, rate = values["reduction_factor"], values["min_early_stopping_rate"]
    if least is not None and factor is not None and rate is not None and num_train_steps:
        first = least * factor**rate
        if first >= num_train_steps:
            problems.add(
                where["min_resource"],
                f"the first rung (min_resource * reduction_factor ** min_early_stopping_rate "
                f"= {first} steps) must be before the end of a trial ({num_train_steps} "
                "steps), or asha never acts",
                least,
                "lower min_resource or min_early_stopping_rate",
            )
    if len(problems) != before or least is None or factor is None or rate is None:
        return None
    return AshaStopping(min_resource=least, reduction_factor=factor, min_early_stopping_rate=rate)


def trial_steps(spec: SearchSpec, params: Mapping[str, object]) -> int:
    """The steps a trial with ``params`` trains: ``r * checkpointEveryNSteps`` for
    hyperband's resource value ``r``, else ``numTrainSteps``."""
    name = resource_name(spec.algorithm)
    value = params.get(name) if name is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value * spec.checkpoint_every_n_steps
    return spec.num_train_steps
