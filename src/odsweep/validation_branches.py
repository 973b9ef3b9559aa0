"""``odsweep validate`` for branch choices: what needs the proto schema and the base config.

The spec layer checked ``when:`` syntactically (``spec._branches``). Here: a parameter
whose ``configPath`` names a oneof is categorical and lists only that oneof's branches;
each branch, switched in the base config (its own ``when:`` chain first), is complete
(``odconfig._branches``), also with every value of the choices nested in it; and a
parameter with ``when:`` resolves in a config where its branches are chosen.
"""

from __future__ import annotations

from typing import Any

from odsweep import odconfig
from odsweep.errors import InputError
from odsweep.spec import Condition, Parameter, ParameterType, SearchSpec


def is_choice(config: Any, parameter: Parameter) -> bool:
    """True when the parameter's configPath names a oneof (it chooses a branch)."""
    return odconfig.names_oneof(config.DESCRIPTOR, parameter.config_path)


def chain(spec: SearchSpec, parameter: Parameter) -> dict[str, object]:
    """The switches that select ``parameter``'s branch and every branch above it."""
    switches: dict[str, object] = {}
    current = parameter
    seen: set[str] = set()
    while current.when is not None and current.name not in seen:
        seen.add(current.name)
        choice = spec.parameter(current.when.parameter)
        switches[choice.config_path] = current.when.branch
        current = choice
    return switches


def config_for(config: Any, spec: SearchSpec, parameter: Parameter, key: str) -> Any:
    """``config`` with ``parameter``'s branches chosen.

    Raises:
        InputError: a switch on the way fails (reported under ``key``).
    """
    switches = chain(spec, parameter)
    if not switches:
        return config
    try:
        return odconfig.apply_overrides(config, switches)
    except InputError as exc:
        raise InputError(
            [f"{key}.when: choosing its branch fails: {m}" for m in exc.messages]
        ) from None


def check_choice(config: Any, spec: SearchSpec, index: int, parameter: Parameter) -> list[str]:
    """Every problem of a branch-choosing parameter (its configPath names a oneof)."""
    key = f"spec.parameters[{index}]"
    if parameter.type is not ParameterType.CATEGORICAL:
        return [
            f"{key}.parameterType: {parameter.config_path} names a oneof; a branch is chosen "
            f"by a categorical parameter, got {parameter.type.value}; use parameterType "
            "categorical listing the branch names"
        ]
    try:
        base = config_for(config, spec, parameter, key)
        oneof = odconfig.resolve_oneof(base, parameter.config_path, key=f"{key}.configPath")
    except InputError as exc:
        return list(exc.messages)
    problems: list[str] = []
    for j, branch in enumerate(parameter.values):
        where = f"{key}.feasibleSpace.list[{j}]"
        if branch not in oneof.branches:
            problems.append(
                f"{where}: oneof '{oneof.oneof}' of {oneof.message_type.rsplit('.', 1)[-1]} "
                f"has no branch {branch!r}; its branches are {', '.join(oneof.branches)}"
            )
            continue
        for combo in _nested_choices(spec, parameter, str(branch)):
            try:
                odconfig.apply_overrides(base, {parameter.config_path: branch, **combo})
            except InputError as exc:
                problems += [f"{where}: choosing {branch}: {m}" for m in exc.messages]
    return list(dict.fromkeys(problems))


def _nested_choices(spec: SearchSpec, parameter: Parameter, branch: str) -> list[dict[str, object]]:
    """One override set per value of each choice nested in ``branch`` (or none at all).

    Each nested choice is tried alone with each of its values: enough to see every
    branch complete without the product of all choices.
    """
    here = Condition(parameter.name, branch)
    combos: list[dict[str, object]] = []
    for other in spec.parameters:
        if other.when == here and other.type is ParameterType.CATEGORICAL:
            combos += [{other.config_path: value} for value in other.values]
    # Without a nested choice, the branch alone must be complete; with one, a value
    # that is not a branch is that parameter's own problem, reported on it.
    return combos or [{}]
