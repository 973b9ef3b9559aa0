"""``spec.earlyStopping``: Katib's medianstop (both engines) or asha (local engine only)."""

from __future__ import annotations

from odsweep.spec._algorithms import read_settings
from odsweep.spec._budget import parse_asha
from odsweep.spec._model import ASHA, MEDIANSTOP, AshaStopping, EarlyStopping
from odsweep.spec._problems import Reader, as_mapping, closest, coerce_int, join

_MEDIANSTOP_DEFAULTS = {"min_trials_required": 3, "start_step": 4}


def parse_early_stopping(
    spec: Reader, steps: int | None, every: int | None, max_trials: int | None
) -> EarlyStopping | AshaStopping | None:
    """Parse ``spec.earlyStopping``; None (problems recorded) when it has a problem."""
    problems = spec.problems
    path = spec.at("earlyStopping")
    mapping = as_mapping(spec.raw("earlyStopping"), path, problems)
    if mapping is None:
        return None
    before = len(problems)
    problems.unknown_keys(mapping, path, ("algorithmName", "algorithmSettings"))
    reader = Reader(mapping, path, problems)
    name = reader.string("algorithmName", required=True, what=f"{MEDIANSTOP} | {ASHA}")
    if name is not None and name not in (MEDIANSTOP, ASHA):
        problems.add(
            reader.at("algorithmName"),
            f"must be {MEDIANSTOP} or {ASHA} (asha on the local engine only)",
            name,
        )
    settings_path = reader.at("algorithmSettings")
    if name == ASHA:
        items = read_settings(reader.raw("algorithmSettings"), settings_path, problems)
        asha = parse_asha(
            items, settings_path, every=every, num_train_steps=steps, problems=problems
        )
        return asha if len(problems) == before else None
    evals_per_trial = -(-steps // every) if steps is not None and every is not None else None
    values = dict(_MEDIANSTOP_DEFAULTS)
    where = dict.fromkeys(values, settings_path)
    for item_path, setting, text in read_settings(
        reader.raw("algorithmSettings"), settings_path, problems
    ):
        if setting not in values:
            guess = closest(setting, list(values))
            fix = f"did you mean {guess!r}?" if guess else f"valid: {', '.join(values)}"
            problems.add(join(item_path, "name"), "unknown setting for medianstop", setting, fix)
            continue
        number = coerce_int(text)
        if number is None or number < 1:
            problems.add(join(item_path, "value"), f"{setting} must be an integer >= 1", text)
            continue
        values[setting], where[setting] = number, join(item_path, "value")
    start, least = values["start_step"], values["min_trials_required"]
    defaulted = {k: " (default)" if where[k] == settings_path else "" for k in values}
    if evals_per_trial is not None and start > evals_per_trial:
        problems.add(
            where["start_step"],
            f"start_step{defaulted['start_step']} must be <= the {evals_per_trial} "
            "evaluations per trial "
            "(numTrainSteps / checkpointEveryNSteps, rounded up), or early stopping never acts",
            start,
            f"set start_step <= {evals_per_trial} or checkpoint more often",
        )
    if max_trials is not None and least >= max_trials:
        problems.add(
            where["min_trials_required"],
            f"min_trials_required{defaulted['min_trials_required']} must be < maxTrialCount "
            f"({max_trials}), or no "
            "trial is left to stop",
            least,
            "lower it or run more trials",
        )
    if len(problems) != before:
        return None
    return EarlyStopping(MEDIANSTOP, min_trials_required=least, start_step=start)
