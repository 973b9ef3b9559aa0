"""What a serving cost measurement found: a frozen value, its metrics and its JSON form.

Pure: no TensorFlow, so records and reports can read it back cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from odsweep.errors import InputError
from odsweep.results import LATENCY_P50_MS, LATENCY_P90_MS, MODEL_SIZE_MB, PARAMS_MILLIONS

DEFAULT_WARMUP_RUNS = 5
DEFAULT_RUNS = 30
# One thread per op pool: on a shared, busy machine the median of a single-threaded
# model is the most repeatable number, and it is what one TF Serving core costs.
DEFAULT_THREADS = 1


@dataclass(frozen=True)
class ServingCost:
    """The serving cost of one SavedModel, measured at batch 1.

    Attributes:
        latency_p50_ms: Median wall time of one ``serving_default`` call, outputs
            fetched to host memory, after the warm-up calls.
        latency_p90_ms: Its 90th percentile (nearest rank).
        model_size_mb: Bytes of the whole SavedModel folder / 10^6.
        params_millions: Numeric values saved in ``variables/`` (trainable and not,
            e.g. batch norm statistics) / 10^6.
        runs: Timed calls.
        warmup_runs: Untimed calls before them (graph tracing, allocator, caches).
        threads: TensorFlow's intra-op and inter-op thread pools were each pinned to this.
        input_type: The export's input type the images were fed as.
        image_size: ``(height, width)`` of the first eval image fed (before the model
            resizes it).
        cpu_p50_ms: Median CPU time of the measuring process per call: the model's own
            work, insensitive to other load on the machine (not a reported metric;
            None in records made before it existed).
    """

    latency_p50_ms: float
    latency_p90_ms: float
    model_size_mb: float
    params_millions: float
    runs: int
    warmup_runs: int
    threads: int
    input_type: str
    image_size: tuple[int, int]
    cpu_p50_ms: float | None = None

    def as_metrics(self) -> dict[str, float]:
        """The four ``Serving/*`` metrics, as a trial reports them."""
        return {
            LATENCY_P50_MS: self.latency_p50_ms,
            LATENCY_P90_MS: self.latency_p90_ms,
            MODEL_SIZE_MB: self.model_size_mb,
            PARAMS_MILLIONS: self.params_millions,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``image_size`` as a list)."""
        doc = asdict(self)
        doc["image_size"] = list(self.image_size)
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, source: str = "serving") -> ServingCost:
        """Read :meth:`to_dict`'s form back.

        Raises:
            InputError: A key is missing or of the wrong type (names ``source``).
        """
        try:
            height, width = doc["image_size"]
            return cls(
                latency_p50_ms=float(doc["latency_p50_ms"]),
                latency_p90_ms=float(doc["latency_p90_ms"]),
                model_size_mb=float(doc["model_size_mb"]),
                params_millions=float(doc["params_millions"]),
                runs=int(doc["runs"]),
                warmup_runs=int(doc["warmup_runs"]),
                threads=int(doc["threads"]),
                input_type=str(doc["input_type"]),
                image_size=(int(height), int(width)),
                cpu_p50_ms=None if doc.get("cpu_p50_ms") is None else float(doc["cpu_p50_ms"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{source}: not a serving cost record ({type(exc).__name__}: {exc}); "
                "measure the model again"
            ) from exc
