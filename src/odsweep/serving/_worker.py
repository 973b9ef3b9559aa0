"""The measuring process: ``python -m odsweep.serving._worker '<request JSON>'``.

TensorFlow's thread pools can be sized only before its first op runs in a process
(``tf.config.threading`` raises afterwards), and a trial process has long since run
ops with every core. So each measurement runs in a fresh process that pins the pools
first, then loads the model; its answer is one marked JSON line on stdout.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import sys
import time
from collections.abc import Mapping
from typing import Any

from odsweep import storage
from odsweep.errors import EXIT_BAD_INPUT, EXIT_FAILED, InputError, OdsweepError

logger = logging.getLogger(__name__)

RESULT_MARK = "ODSWEEP_SERVING_RESULT "
ERROR_MARK = "ODSWEEP_SERVING_ERROR "
_SIGNATURE = "serving_default"
# Saved tensors that are bookkeeping, not model parameters.
_NOT_PARAMS = ("_CHECKPOINTABLE_OBJECT_GRAPH",)


def nearest_rank(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ascending list (no interpolation)."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def folder_bytes(tf: Any, path: str) -> int:
    """Bytes of every file below ``path`` (``gs://`` too)."""
    total = 0
    for folder, _subdirs, files in tf.io.gfile.walk(path):
        for name in files:
            total += int(tf.io.gfile.stat(storage.join(folder, name)).length)
    return total


def saved_params(tf: Any, path: str) -> int:
    """Numeric values saved in the SavedModel's ``variables/`` checkpoint."""
    reader = tf.train.load_checkpoint(storage.join(path, "variables", "variables"))
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    total = 0
    for name, shape in shapes.items():
        if name in _NOT_PARAMS or dtypes[name] == tf.string:
            continue
        total += math.prod(shape)
    return total


def _measure(tf: Any, request: Mapping[str, Any]) -> dict[str, Any]:
    from odsweep.export._inputs import EXPECTED_DTYPE, model_input, read_examples

    path = str(request["path"])
    input_type = str(request["input_type"])
    examples = read_examples(tf, str(request["eval_input"]), int(request["images"]))
    model = tf.saved_model.load(path)
    if _SIGNATURE not in model.signatures:
        raise OdsweepError(f"measure: {path!r} has no {_SIGNATURE!r} signature; re-export it")
    fn = model.signatures[_SIGNATURE]
    ((input_name, spec),) = fn.structured_input_signature[1].items()
    if spec.dtype.name != EXPECTED_DTYPE[input_type]:
        raise InputError(
            f"input_type: {path!r} takes {spec.dtype.name}, not what {input_type!r} feeds "
            f"({EXPECTED_DTYPE[input_type]}); pass the input type it was exported with"
        )
    inputs = [model_input(tf, input_type, s, e) for s, e in examples]
    first = tf.io.decode_image(examples[0][1], channels=3, expand_animations=False)

    def call(index: int) -> tuple[float, float]:
        started, cpu_started = time.perf_counter(), time.process_time()
        outputs = fn(**{input_name: inputs[index % len(inputs)]})
        # Fetching the outputs to host memory is part of what a client waits for.
        for value in outputs.values():
            value.numpy()
        return time.perf_counter() - started, time.process_time() - cpu_started

    for i in range(int(request["warmup"])):
        call(i)
    timed = [call(i) for i in range(int(request["runs"]))]
    times = sorted(wall * 1000.0 for wall, _ in timed)
    # CPU time of this process per call: what the model costs, whatever else the machine
    # runs meanwhile (wall latency also counts the time the pinned thread waited for a core).
    cpu = statistics.median(c * 1000.0 for _, c in timed)
    return {
        "cpu_p50_ms": cpu,
        "latency_p50_ms": statistics.median(times),
        "latency_p90_ms": nearest_rank(times, 0.9),
        "model_size_mb": folder_bytes(tf, path) / 1e6,
        "params_millions": saved_params(tf, path) / 1e6,
        "runs": int(request["runs"]),
        "warmup_runs": int(request["warmup"]),
        "threads": int(request["threads"]),
        "input_type": input_type,
        "image_size": [int(first.shape[0]), int(first.shape[1])],
    }


def main(argv: list[str]) -> int:
    request = json.loads(argv[0])
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    threads = int(request["threads"])
    try:
        # Before any op: afterwards TensorFlow refuses (the reason for this process).
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        doc = _measure(tf, request)
    except InputError as exc:
        print(ERROR_MARK + json.dumps({"input": True, "message": str(exc)}), flush=True)
        return EXIT_BAD_INPUT
    except Exception as exc:
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())[:400]}"
        print(ERROR_MARK + json.dumps({"input": False, "message": message}), flush=True)
        return EXIT_FAILED
    print(RESULT_MARK + json.dumps(doc), flush=True)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(main(sys.argv[1:]))
