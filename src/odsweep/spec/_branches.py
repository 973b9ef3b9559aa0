"""Choices between config branches: ``when:`` on parameters, and which apply to a trial.

A categorical parameter whose ``configPath`` ends on a proto ``oneof`` (the path of the
message, then the oneof's name, e.g. ``train_config.optimizer.optimizer``) chooses a
branch: its ``feasibleSpace.list`` names branch fields (``adam_optimizer``, ...). A
parameter inside one branch carries ``when: {<choice parameter>: <branch>}`` and its
``configPath`` must start with ``<message path>.<branch>.``. Here only what needs no
proto schema is checked; that the path really ends on a oneof, and that every listed
branch is a field of it, is checked against the base config at validate.

Activity is transitive: a parameter applies when its branch is chosen AND the choice
parameter itself applies (a schedule choice inside ``adam_optimizer`` chains to the
optimizer choice). No cycle can pass the checks: a parameter's configPath has more
segments than its choice's (it extends the choice's message path by the branch and a
field), so following the links always ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from odsweep.spec._model import AlgorithmName
from odsweep.spec._problems import NOTHING, Problems, as_mapping, closest
from odsweep.spec._space import Condition, Parameter, ParameterType

_NAME_THE_CHOICE = "name the categorical parameter that chooses this parameter's branch"

# Samplers that ask for parameters one by one (define-by-run) and so can leave an
# inactive parameter out; the others sample one fixed space per trial.
CONDITIONAL_ALGORITHMS = (
    AlgorithmName.RANDOM,
    AlgorithmName.TPE,
    AlgorithmName.MULTIVARIATE_TPE,
    AlgorithmName.HYPERBAND,
)


def parse_when(raw: object, path: str, problems: Problems) -> Condition | None:
    """``when: {choice: branch}`` -> :class:`Condition`; exactly one entry, a string value.

    One entry is enough: a path lies in exactly one branch of each oneof above it, and
    the choice parameter's own ``when:`` chains to the choices above.
    """
    if raw is NOTHING:
        return None
    mapping = as_mapping(raw, path, problems)
    if mapping is None:
        return None
    if len(mapping) != 1:
        problems.add(
            path,
            "must have exactly one entry {<choice parameter>: <branch>}",
            raw,
            "name the parameter that chooses this parameter's branch, e.g. "
            "when: {optimizer: adam_optimizer}",
        )
        return None
    ((name, branch),) = mapping.items()
    if not isinstance(branch, str) or not branch:
        problems.add(
            f"{path}.{name}",
            "must be one branch name (a string)",
            branch,
            "write the branch this parameter's configPath lies in, e.g. adam_optimizer",
        )
        return None
    return Condition(name, branch)


def check_conditions(params: Sequence[Parameter], path: str, problems: Problems) -> None:
    """Cross-check every ``when:``: the choice exists, is categorical, lists the branch,
    and the parameter's configPath lies inside that branch."""
    by_name = {p.name: p for p in params}
    for i, param in enumerate(params):
        when = param.when
        if when is None:
            continue
        at = f"{path}[{i}].when.{when.parameter}"
        choice = by_name.get(when.parameter)
        if choice is param:
            problems.add(at, "names the parameter itself", when.parameter, _NAME_THE_CHOICE)
            continue
        if choice is None:
            guess = closest(when.parameter, [n for n in by_name if n != param.name])
            problems.add(
                at,
                "names no other parameter of this space",
                when.parameter,
                f"did you mean {guess!r}?" if guess else _NAME_THE_CHOICE,
            )
            continue
        if choice.type is not ParameterType.CATEGORICAL:
            problems.add(
                at,
                f"names a {choice.type.value} parameter; only a categorical parameter "
                "choosing a oneof branch can be named",
                when.parameter,
                f"make {when.parameter} a categorical over the branch names",
            )
            continue
        if when.branch not in choice.values:
            listed = ", ".join(str(v) for v in choice.values)
            problems.add(
                at,
                f"is not a value of parameter {when.parameter} ({listed})",
                when.branch,
                "name one of its listed branches",
            )
            continue
        prefix = branch_prefix(choice, when.branch)
        if not param.config_path.startswith(prefix):
            problems.add(
                f"{path}[{i}].configPath",
                f"must lie inside the branch its when: names (start with {prefix})",
                param.config_path,
                "fix the configPath or the when: branch",
            )


def branch_prefix(choice: Parameter, branch: str) -> str:
    """``a.b.oneof`` choosing ``branch`` -> ``a.b.<branch>.`` (where its fields start)."""
    parent = choice.config_path.rpartition(".")[0]
    return f"{parent}.{branch}." if parent else f"{branch}."


def check_algorithm_supports_when(
    algorithm: AlgorithmName, params: Sequence[Parameter], problems: Problems
) -> None:
    """Refuse ``when:`` with samplers of a fixed space (grid, cmaes, sobol, skopt).

    They would sample every parameter in every trial, and grid would multiply its
    points by values the trial ignores: rather than a search that silently differs
    from what the spec says, the combination is refused.
    """
    if algorithm in CONDITIONAL_ALGORITHMS:
        return
    for i, param in enumerate(params):
        if param.when is not None:
            works = ", ".join(a.value for a in CONDITIONAL_ALGORITHMS)
            problems.add(
                f"spec.parameters[{i}].when",
                f"is not supported by algorithm {algorithm.value} (it samples one fixed "
                "space, every parameter in every trial)",
                param.name,
                f"use one of {works}, or drop when: and search one branch",
            )
            return


def is_active(params: Sequence[Parameter], name: str, values: Mapping[str, object]) -> bool:
    """True when parameter ``name`` applies given the choices in ``values``.

    A parameter without ``when:`` always applies; one with ``when:`` applies when its
    choice parameter applies and has the value of its branch.
    """
    by_name = {p.name: p for p in params}
    seen: set[str] = set()
    current = by_name[name]
    while current.when is not None:
        if current.name in seen:
            return False
        seen.add(current.name)
        if values.get(current.when.parameter) != current.when.branch:
            return False
        current = by_name[current.when.parameter]
    return True


def inactive_parameters(
    params: Sequence[Parameter], values: Mapping[str, object]
) -> dict[str, Condition]:
    """The parameters of ``values`` whose branch is not chosen, with the unmet condition.

    On Katib every parameter is sampled; these are the ones the trial ignored.
    """
    out: dict[str, Condition] = {}
    for param in params:
        inactive = param.when is not None and not is_active(params, param.name, values)
        if param.name in values and param.when is not None and inactive:
            out[param.name] = param.when
    return out
