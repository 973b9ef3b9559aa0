"""The report's budget section: train steps spent against a full-budget search.

Read from the trial records only (``result.json``):

- **Steps spent** by a trial: the step of its last recorded eval. Every checkpoint is
  evaluated, so this is what it trained up to that point; a trial that failed or was
  stopped between two evals trained a little more, which no record shows.
- **Full-budget equivalent**: what the same trials cost had each trained to its target
  (``numTrainSteps`` unless the caller gives a trial its own target, e.g. a Hyperband
  trial whose resource parameter sets its length).
- **Where a stopped trial stopped**: its last eval step, and the rule's record when the
  engine wrote one into ``result.json`` as ``stopped_at: {"rule", "rung", "step"}``
  (the step there wins over the last eval: it is the decision's own record).
- **Per bracket** when trials carry ``bracket`` (Hyperband).

Pure: strings and numbers out; the Markdown and HTML renderers escape and lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from odsweep.results import TrialResult, TrialStatus

STOPPED_AT_KEY = "stopped_at"
BRACKET_KEY = "bracket"
# Trials that ended before their target by someone's decision or a failure.
_STOPPED = (TrialStatus.EARLY_STOPPED, TrialStatus.STOPPED, TrialStatus.FAILED)
NOT_RECORDED = "—"


@dataclass(frozen=True)
class StoppedTrial:
    """One trial that ended before its target.

    Attributes:
        trial: Its name.
        status: early_stopped, stopped or failed.
        step: Where it stopped (the rule's recorded step, else its last eval), None if it
            never reached an eval.
        target: The steps it would have trained.
        rule: The stopping rule recorded in ``result.json`` (e.g. "asha", "medianstop").
        rung: The rung the rule decided at, if recorded.
        bracket: Its Hyperband bracket, if recorded.
    """

    trial: str
    status: TrialStatus
    step: int | None
    target: int
    rule: str | None
    rung: str | None
    bracket: str | None


@dataclass(frozen=True)
class BracketBudget:
    """Steps of one Hyperband bracket."""

    bracket: str
    trials: int
    spent: int
    full: int


@dataclass(frozen=True)
class Budget:
    """The sweep's train steps: spent, at full budget, where stopped trials stopped."""

    trials: int
    spent: int
    full: int
    stopped: tuple[StoppedTrial, ...]
    brackets: tuple[BracketBudget, ...]

    @property
    def fraction(self) -> float | None:
        """``spent / full``; None for an empty sweep."""
        return None if self.full <= 0 else self.spent / self.full


def compute_budget(
    results: Sequence[TrialResult],
    train_steps: int,
    target_steps: Mapping[str, int] | None = None,
) -> Budget:
    """The budget of ``results``.

    Args:
        results: The trials, in creation order.
        train_steps: A trial's full length (the spec's ``numTrainSteps``).
        target_steps: Trial name -> its own full length, for trials that differ.

    Returns:
        Totals, the stopped trials in ``results`` order, the brackets in first-seen order.
    """
    targets = dict(target_steps or {})
    stopped: list[StoppedTrial] = []
    brackets: dict[str, list[int]] = {}
    spent = full = 0
    for result in results:
        target = targets.get(result.trial, train_steps)
        used = last_step(result)
        spent += used or 0
        full += target
        bracket = _text(result.extra.get(BRACKET_KEY))
        if bracket is not None:
            entry = brackets.setdefault(bracket, [0, 0, 0])
            entry[0] += 1
            entry[1] += used or 0
            entry[2] += target
        if result.status in _STOPPED:
            stopped.append(_stopped(result, used, target, bracket))
    return Budget(
        trials=len(results),
        spent=spent,
        full=full,
        stopped=tuple(stopped),
        brackets=tuple(BracketBudget(b, n, s, f) for b, (n, s, f) in brackets.items()),
    )


def last_step(result: TrialResult) -> int | None:
    """The step of the trial's last eval, None without one."""
    return max((e.step for e in result.evals), default=None)


def _stopped(
    result: TrialResult, used: int | None, target: int, bracket: str | None
) -> StoppedTrial:
    record = result.extra.get(STOPPED_AT_KEY)
    rule = rung = None
    step = used
    if isinstance(record, Mapping):
        rule = _text(record.get("rule"))
        rung = _text(record.get("rung"))
        recorded = record.get("step")
        if isinstance(recorded, int) and not isinstance(recorded, bool):
            step = recorded
    return StoppedTrial(result.trial, result.status, step, target, rule, rung, bracket)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def totals_text(budget: Budget) -> str:
    """The totals line, e.g. ``1,900 train steps of 2,400 at full budget (79%), 8 trials``."""
    share = "" if budget.fraction is None else f" ({budget.fraction:.0%})"
    saved = budget.full - budget.spent
    line = (
        f"{budget.spent:,} train steps of {budget.full:,} at full budget{share} over "
        f"{budget.trials} trial{'s' if budget.trials != 1 else ''}"
    )
    if saved > 0:
        line += f"; {saved:,} saved"
    return line


def stopped_table(budget: Budget) -> tuple[list[str], list[list[str]]]:
    """Header and rows (plain text) of the stopped trials; Bracket only when recorded."""
    with_bracket = any(s.bracket is not None for s in budget.stopped)
    header = ["Trial", "Status", "Stopped at step", "Of", "Rule", "Rung"]
    header += ["Bracket"] if with_bracket else []
    rows = []
    for s in budget.stopped:
        row = [
            s.trial,
            s.status.value,
            NOT_RECORDED if s.step is None else f"{s.step:,}",
            f"{s.target:,}",
            s.rule or NOT_RECORDED,
            s.rung or NOT_RECORDED,
        ]
        rows.append(row + ([s.bracket or NOT_RECORDED] if with_bracket else []))
    return header, rows


def bracket_table(budget: Budget) -> tuple[list[str], list[list[str]]]:
    """Header and rows (plain text) per Hyperband bracket."""
    header = ["Bracket", "Trials", "Steps spent", "Full budget", "Share"]
    rows = [
        [
            b.bracket,
            str(b.trials),
            f"{b.spent:,}",
            f"{b.full:,}",
            NOT_RECORDED if b.full <= 0 else f"{b.spent / b.full:.0%}",
        ]
        for b in budget.brackets
    ]
    return header, rows


# Columns rendered right-aligned (numbers).
NUMERIC = frozenset({"Stopped at step", "Of", "Trials", "Steps spent", "Full budget", "Share"})
