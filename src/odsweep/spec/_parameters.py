"""Parses ``spec.parameters``: names, config paths and feasible spaces (Katib's rules)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal

from odsweep.spec._branches import check_conditions, parse_when
from odsweep.spec._names import name_problem
from odsweep.spec._problems import (
    NOTHING,
    Problems,
    Reader,
    as_list,
    as_mapping,
    closest,
    coerce_float,
    coerce_int,
    coerce_number,
    format_number,
    index,
)
from odsweep.spec._space import Distribution, Parameter, ParameterType, ParamValue
from odsweep.spec._warmstart import is_warm_start_path, warm_start_path_rule

PARAMETER_KEYS = ("name", "configPath", "parameterType", "feasibleSpace", "when")
FEASIBLE_SPACE_KEYS = ("min", "max", "step", "list", "distribution")

_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?"
_CONFIG_PATH_RE = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})*$")
CONFIG_PATH_RULE = "must be a dotted config path (segments name or name[INDEX])"

# On Katib the trial command passes through `sh -c` unquoted: anything a shell
# interprets (spaces, quotes, $, ;, |, &, globs, ...) would change or inject a command.
SAFE_CHARS = "letters, digits and . _ : / @ + -"
# fullmatch, not ^...$: "$" also matches before a trailing newline, which ends sh's command.
_SAFE_VALUE_RE = re.compile(r"[A-Za-z0-9._:/@+-]+")

# Config fields the spec itself writes; a parameter or override there would fight it.
RESERVED_CONFIG_PATHS: Mapping[str, str] = {"train_config.num_steps": "spec.numTrainSteps"}

_TYPES = {t.value: t.value for t in ParameterType}
# Katib also knows normal/logNormal; the local Optuna engine has no such sampler and
# Katib 0.19's optuna service silently drops them, so they are refused, not mapped.
_KATIB_ONLY_DISTRIBUTIONS = ("normal", "logNormal")


def is_config_path(path: str) -> bool:
    """True for a syntactically valid dotted config path."""
    return bool(_CONFIG_PATH_RE.match(path))


def is_safe_value(text: str) -> bool:
    """True when ``text`` survives an unquoted ``sh -c`` as one word, unchanged."""
    return bool(_SAFE_VALUE_RE.fullmatch(text))


def parse_parameters(
    value: object,
    path: str,
    problems: Problems,
    *,
    overrides: Mapping[str, object],
    hyperband: bool = False,
) -> list[Parameter] | None:
    """Parse the parameter list; None when any parameter has a problem.

    With ``hyperband`` the reserved ``train_config.num_steps`` may be searched: by the
    resource parameter only, which ``_budget.check_hyperband`` checks.
    """
    if value is NOTHING or value is None:
        problems.add(path, "is required", fix="add at least one parameter to search")
        return None
    items = as_list(value, path, problems)
    if items is None:
        return None
    if not items:
        problems.add(path, "must not be empty", items, "add at least one parameter to search")
        return None
    before = len(problems)
    params: list[Parameter] = []
    names: dict[str, int] = {}
    config_paths: dict[str, int] = {}
    for i, item in enumerate(items):
        item_path = index(path, i)
        param = _parse_parameter(item, item_path, problems)
        if param is None:
            continue
        if param.name in names:
            problems.add(
                f"{item_path}.name",
                f"duplicate parameter name (also {path}[{names[param.name]}])",
                param.name,
                "give each parameter its own name",
            )
        names.setdefault(param.name, i)
        if not hyperband or param.config_path not in RESERVED_CONFIG_PATHS:
            _check_config_path(param.config_path, f"{item_path}.configPath", problems, overrides)
        if param.config_path in config_paths:
            problems.add(
                f"{item_path}.configPath",
                f"duplicate config path (also {path}[{config_paths[param.config_path]}])",
                param.config_path,
                "search each config field with one parameter",
            )
        config_paths.setdefault(param.config_path, i)
        params.append(param)
    if len(problems) == before:
        check_conditions(params, path, problems)
    return params if len(problems) == before else None


def _check_config_path(
    config_path: str, path: str, problems: Problems, overrides: Mapping[str, object]
) -> None:
    if config_path in RESERVED_CONFIG_PATHS:
        problems.add(
            path,
            f"is set by {RESERVED_CONFIG_PATHS[config_path]}",
            config_path,
            f"search or set it through {RESERVED_CONFIG_PATHS[config_path]}",
        )
    if is_warm_start_path(config_path):
        rule, fix = warm_start_path_rule()
        problems.add(path, rule, config_path, fix)
    if config_path in overrides:
        problems.add(
            path,
            "is also fixed in spec.overrides (a field is either searched or fixed)",
            config_path,
            "remove it from spec.overrides or from the parameters",
        )


def _parse_parameter(item: object, path: str, problems: Problems) -> Parameter | None:
    mapping = as_mapping(item, path, problems)
    if mapping is None:
        return None
    problems.unknown_keys(mapping, path, PARAMETER_KEYS)
    reader = Reader(mapping, path, problems)
    name = reader.string("name", required=True, what="a name like learning_rate or num-layers")
    # Katib's own names (num-layers, learningRate) are kept as written: see _names.
    name_rule = None if name is None else name_problem(name)
    if name_rule is not None:
        problems.add(reader.at("name"), name_rule[0], name, name_rule[1])
        name = None
    config_path = reader.string("configPath", required=True, what="a dotted config path")
    if config_path is not None and not is_config_path(config_path):
        problems.add(
            reader.at("configPath"),
            CONFIG_PATH_RULE,
            config_path,
            "e.g. train_config.optimizer.adam_optimizer.learning_rate.constant_learning_rate"
            ".learning_rate",
        )
        config_path = None
    type_name = reader.choice("parameterType", _TYPES, required=True)
    when = parse_when(reader.raw("when"), reader.at("when"), problems)
    space_path = reader.at("feasibleSpace")
    raw_space = reader.raw("feasibleSpace")
    if raw_space is NOTHING:
        reader.missing("feasibleSpace", "min/max or list")
        return None
    space = as_mapping(raw_space, space_path, problems)
    if space is None:
        return None
    problems.unknown_keys(space, space_path, FEASIBLE_SPACE_KEYS)
    if type_name is None:
        return None
    ptype = ParameterType(type_name)
    space_reader = Reader(space, space_path, problems)
    if ptype in (ParameterType.DOUBLE, ParameterType.INT):
        bounds = _parse_range(space_reader, ptype)
        if bounds is None or name is None or config_path is None:
            return None
        low, high, step, distribution = bounds
        return Parameter(name, config_path, ptype, low, high, step, (), distribution, when)
    values = _parse_list(space_reader, ptype)
    if values is None or name is None or config_path is None:
        return None
    return Parameter(name, config_path, ptype, values=values, when=when)


_Bounds = tuple[int | float, int | float, int | float | None, Distribution]


def _parse_range(reader: Reader, ptype: ParameterType) -> _Bounds | None:
    problems = reader.problems
    before = len(problems)
    if reader.has("list"):
        problems.add(
            reader.at("list"),
            f"is not allowed for parameterType {ptype}",
            reader.raw("list"),
            "use min and max, or parameterType discrete",
        )
    distribution = _parse_distribution(reader)
    low = _number(reader, "min", ptype, required=True)
    high = _number(reader, "max", ptype, required=True)
    step = _number(reader, "step", ptype, required=False)
    if step is not None and step <= 0:
        problems.add(reader.at("step"), "must be > 0", step)
        step = None
    if low is not None and high is not None and low > high:
        problems.add(reader.at("max"), f"must be >= min ({format_number(low)})", high)
    if distribution is Distribution.LOG_UNIFORM:
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and bound <= 0:
                problems.add(reader.at(key), "must be > 0 for distribution=logUniform", bound)
        # Optuna's log distributions take no step (an int's step may only be 1).
        if step is not None and not (ptype is ParameterType.INT and step == 1):
            problems.add(
                reader.at("step"),
                "is not allowed with distribution=logUniform",
                step,
                "remove step or use distribution uniform",
            )
    if step is not None and low is not None and high is not None and low <= high:
        _check_on_grid(reader, low, high, step)
    if len(problems) != before or low is None or high is None or distribution is None:
        return None
    return low, high, step, distribution


def _check_on_grid(reader: Reader, low: float, high: float, step: float) -> None:
    # Inclusive max must itself be a grid point; otherwise Optuna lowers it with a
    # warning and Katib's grid stops below it: the engines would disagree on the space.
    span = _decimal(high) - _decimal(low)
    whole = (span / _decimal(step)).to_integral_value(rounding=ROUND_FLOOR)
    if whole * _decimal(step) != span:
        top = _decimal(low) + whole * _decimal(step)
        top_text = str(int(top)) if isinstance(high, int) else format_number(float(top))
        reader.problems.add(
            reader.at("max"),
            f"must be min + a whole number of steps ({format_number(low)} + k * "
            f"{format_number(step)}), bounds are inclusive",
            high,
            f"use max: {top_text}",
        )


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _number(
    reader: Reader, key: str, ptype: ParameterType, *, required: bool
) -> int | float | None:
    raw = reader.raw(key)
    if raw is NOTHING:
        if required:
            reader.missing(key, "a number")
        return None
    if ptype is ParameterType.INT:
        whole = coerce_int(raw)
        if whole is None:
            reader.problems.add(reader.at(key), "must be an integer for parameterType int", raw)
        return whole
    number = coerce_float(raw)
    if number is None:
        reader.problems.add(reader.at(key), "must be a finite number", raw)
    return number


def _parse_distribution(reader: Reader) -> Distribution | None:
    raw = reader.raw("distribution")
    if raw is NOTHING:
        return Distribution.UNIFORM
    if raw in _KATIB_ONLY_DISTRIBUTIONS:
        reader.problems.add(
            reader.at("distribution"),
            f"{raw} is not supported by odsweep (no such sampler in its local Optuna "
            "engine; Katib 0.19's optuna service drops it)",
            raw,
            "use uniform or logUniform",
        )
        return None
    for dist in Distribution:
        if raw == dist.value:
            return dist
    names = [d.value for d in Distribution]
    guess = closest(str(raw), names)
    fix = f"did you mean {guess!r}?" if guess else None
    reader.problems.add(reader.at("distribution"), f"must be one of {', '.join(names)}", raw, fix)
    return None


def _parse_list(reader: Reader, ptype: ParameterType) -> tuple[ParamValue, ...] | None:
    problems = reader.problems
    before = len(problems)
    for key in ("min", "max", "step"):
        if reader.has(key):
            problems.add(
                reader.at(key),
                f"is not allowed for parameterType {ptype}",
                reader.raw(key),
                "list the values in feasibleSpace.list",
            )
    if reader.has("distribution"):
        problems.add(
            reader.at("distribution"),
            f"is not allowed for parameterType {ptype} (listed values are equally likely)",
            reader.raw("distribution"),
            "remove distribution",
        )
    raw = reader.raw("list")
    if raw is NOTHING:
        reader.missing("list", "a list of values")
        return None
    items = as_list(raw, reader.at("list"), problems)
    if items is None:
        return None
    if not items:
        problems.add(reader.at("list"), "must not be empty", items, "list at least one value")
    values: list[ParamValue] = []
    seen: set[ParamValue] = set()  # a set: a long list must not cost quadratic time
    for j, item in enumerate(items):
        value = _list_value(item, index(reader.at("list"), j), ptype, problems)
        if value is None:
            continue
        if value in seen:
            problems.add(index(reader.at("list"), j), "duplicate value", item, "list it once")
            continue
        seen.add(value)
        values.append(value)
    return tuple(values) if len(problems) == before else None


def _list_value(
    item: object, path: str, ptype: ParameterType, problems: Problems
) -> ParamValue | None:
    value: ParamValue
    if ptype is ParameterType.DISCRETE:
        number = coerce_number(item)
        if number is None:
            problems.add(
                path,
                "must be a number for parameterType discrete",
                item,
                "use parameterType categorical for strings",
            )
            return None
        value, text = number, item.strip() if isinstance(item, str) else format_number(number)
    else:
        if not isinstance(item, str):
            written = str(item).lower() if isinstance(item, bool) else str(item)
            problems.add(
                path,
                "must be a string for parameterType categorical",
                item,
                f"quote it ('{written}') or use parameterType discrete",
            )
            return None
        value = text = item
    if not is_safe_value(text):
        problems.add(
            path,
            f"may only use {SAFE_CHARS} (Katib runs the trial command through sh -c unquoted)",
            text,
            "rename the value",
        )
        return None
    return value
