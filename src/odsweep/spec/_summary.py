"""A short human summary of a search space (for ``odsweep`` dry runs and logs)."""

from __future__ import annotations

from odsweep.spec._algorithms import grid_size
from odsweep.spec._model import AlgorithmName, AshaStopping, SearchSpec, evals_per_trial
from odsweep.spec._problems import format_number
from odsweep.spec._space import Parameter


def summarize(spec: SearchSpec) -> str:
    """A few lines: objective, algorithm and budget, then one line per parameter.

    Example::

        ssd-demo: maximize DetectionBoxes_Precision/mAP (goal 0.9)
          algorithm tpe (random_state=7); 8 trials, 2 in parallel, stop after 2 failed
          each trial: 300 steps, 3 evaluations (every 100 steps); medianstop from eval 2
          learning_rate  double [0.004, 0.1] logUniform  -> train_config...learning_rate_base
          batch_size     discrete {4, 8}                 -> train_config.batch_size
    """
    objective = spec.objective
    head = f"{spec.name}: {objective.type.value} {objective.metric}"
    if objective.goal is not None:
        head += f" (goal {format_number(objective.goal)})"
    if objective.tradeoffs:
        head += "; trade-offs: " + ", ".join(
            f"{t.type.value} {t.metric}" for t in objective.tradeoffs
        )
    if spec.export.constraints:
        head += "; export only if " + ", ".join(c.describe() for c in spec.export.constraints)
    settings = ", ".join(f"{n}={v}" for n, v in spec.algorithm.settings)
    budget = f"  algorithm {spec.algorithm.name.value}" + (f" ({settings})" if settings else "")
    budget += f"; {spec.max_trial_count} trials, {spec.parallel_trial_count} in parallel"
    if spec.max_failed_trial_count is not None:
        budget += f", stop after {spec.max_failed_trial_count} failed"
    if spec.algorithm.name is AlgorithmName.GRID:
        budget += f" (grid of {grid_size(spec.parameters)} points)"
    trial = (
        f"  each trial: {spec.num_train_steps} steps, {evals_per_trial(spec)} evaluations "
        f"(every {spec.checkpoint_every_n_steps} steps)"
    )
    if isinstance(spec.early_stopping, AshaStopping):
        asha = spec.early_stopping
        trial += (
            f"; asha rungs from step "
            f"{asha.min_resource * asha.reduction_factor**asha.min_early_stopping_rate} "
            f"(x{asha.reduction_factor})"
        )
    elif spec.early_stopping is not None:
        trial += (
            f"; {spec.early_stopping.name} from eval {spec.early_stopping.start_step} "
            f"after {spec.early_stopping.min_trials_required} trials"
        )
    ranges = [_space(p) for p in spec.parameters]
    name_width = max(len(p.name) for p in spec.parameters)
    space_width = max(len(r) for r in ranges)
    lines = [head, budget, trial]
    for param, space in zip(spec.parameters, ranges, strict=True):
        when = "" if param.when is None else f"  (when {param.when.parameter}={param.when.branch})"
        lines.append(
            f"  {param.name:<{name_width}}  {space:<{space_width}}  -> {param.config_path}{when}"
        )
    if spec.overrides:
        lines.append(f"  fixed: {', '.join(f'{k}={v!r}' for k, v in spec.overrides.items())}")
    if spec.warm_start is not None:
        warm = spec.warm_start
        lines.append(f"  warm start ({warm.checkpoint_type.value}): {warm.checkpoint}")
    return "\n".join(lines)


def _space(param: Parameter) -> str:
    kind = param.type.value
    if not param.is_range:
        shown = ", ".join(v if isinstance(v, str) else format_number(v) for v in param.values)
        return f"{kind} {{{shown}}}"
    low = format_number(param.min) if param.min is not None else "?"
    high = format_number(param.max) if param.max is not None else "?"
    text = f"{kind} [{low}, {high}]"
    if param.step is not None:
        text += f" step {format_number(param.step)}"
    if param.is_log:
        text += " logUniform"
    return text
