"""The knob model and the collector the per-family readers add to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Knob:
    """One search parameter: a range (``low``/``high``) or a ``values`` list."""

    name: str
    config_path: str
    parameter_type: str  # double | int | discrete
    why: str
    low: float | int | None = None
    high: float | int | None = None
    values: tuple[int, ...] = ()
    log: bool = False


@dataclass(frozen=True)
class KnobSet:
    """What :func:`knobs_for` found, plus what it saw and left alone (as YAML notes)."""

    knobs: tuple[Knob, ...]
    skipped: tuple[str, ...]


def round4(value: float) -> float:
    """Four significant digits: ranges in the YAML stay readable."""
    return float(f"{value:.4g}")


class Collector:
    """Gathers knobs (with unique names) and what was seen but not searched."""

    def __init__(self) -> None:
        self.knobs: list[Knob] = []
        self.skipped: list[str] = []
        self._names: set[str] = set()

    def _name(self, name: str) -> str:
        unique, n = name, 2
        while unique in self._names:
            unique, n = f"{name}_{n}", n + 1
        self._names.add(unique)
        return unique

    def log_range(self, name: str, path: str, value: float, factor: float, why: str) -> None:
        """A log-uniform range ``value / factor .. value * factor``."""
        if value <= 0:
            self.skipped.append(f"{path} is {value:g}: a log range needs a positive centre")
            return
        self.knobs.append(
            Knob(
                self._name(name),
                path,
                "double",
                why,
                low=round4(value / factor),
                high=round4(value * factor),
                log=True,
            )
        )

    def unit_range(
        self, name: str, path: str, value: float, half: float, why: str, top: float = 0.95
    ) -> None:
        """A uniform range ``value +- half`` kept inside (0, top]."""
        low, high = round4(max(0.05, value - half)), round4(min(top, value + half))
        if low >= high:
            self.skipped.append(f"{path} is {value:g}: no room for a range inside (0, {top:g}]")
            return
        self.knobs.append(Knob(self._name(name), path, "double", why, low=low, high=high))

    def add(self, knob: Knob) -> None:
        self.knobs.append(
            Knob(
                self._name(knob.name),
                knob.config_path,
                knob.parameter_type,
                knob.why,
                knob.low,
                knob.high,
                knob.values,
                knob.log,
            )
        )
