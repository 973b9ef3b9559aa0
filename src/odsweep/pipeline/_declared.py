"""Functions built from the parameter declaration (:data:`_params.PARAMS`). Pure: no kfp.

KFP reads a component's interface from its function's signature, and for a lightweight
component it also ships the function's *source text* to the pod, where the executor
reads the signature again. So the validate step (which takes every parameter) is
generated as source text from the declaration and compiled here; :func:`define`
registers that text with :mod:`linecache`, so ``inspect.getsource`` (which KFP uses)
returns exactly the text that ran. The pipeline function, which never leaves this
process, only needs :func:`signature` as its ``__signature__``.
"""

from __future__ import annotations

import inspect
import linecache
from collections.abc import Callable, Sequence
from typing import Any

from odsweep.pipeline._params import PARAM_BY_NAME, VALIDATE_PARAMS

VALIDATE_STEP = "validate_search_space"


def signature(names: Sequence[str], *, defaults: bool, returns: Any) -> inspect.Signature:
    """The signature of a function taking the declared parameters ``names``, in order.

    Args:
        names: Declared parameter names.
        defaults: Give each parameter its declared default (None means required).
        returns: The return annotation.
    """
    params = []
    for name in names:
        param = PARAM_BY_NAME[name]
        required = not defaults or param.default is None
        default = inspect.Parameter.empty if required else param.default
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=default,
                annotation=param.type,
            )
        )
    return inspect.Signature(params, return_annotation=returns)


def with_signature(func: Callable[..., Any], sig: inspect.Signature) -> Callable[..., Any]:
    """``func`` presenting ``sig`` to ``inspect`` (and so to KFP); returns ``func``."""
    func.__signature__ = sig  # type: ignore[attr-defined]
    func.__annotations__ = {
        **{p.name: p.annotation for p in sig.parameters.values()},
        "return": sig.return_annotation,
    }
    return func


def validate_source() -> str:
    """The validate step's source: a signature of :data:`VALIDATE_PARAMS` that passes them
    all on to ``_steps.validate``."""
    first, *rest = VALIDATE_PARAMS
    args = "".join(f"    {n}: {PARAM_BY_NAME[n].type.__name__},\n" for n in VALIDATE_PARAMS)
    kwargs = "".join(f"        {n}={n},\n" for n in rest)
    return (
        f"def {VALIDATE_STEP}(\n{args}"
        ') -> NamedTuple("Outputs", [("spec_path", str), ("eval_dir", str)]):\n'
        '    """Apply the run\'s parameters to the search space, check it all, snapshot '
        "the spec.\n\n"
        '    Unset parameters ("" / 0 / -1) keep the YAML\'s values. Writes\n'
        "    ``<model_dir>/spec.yaml``, which every later step and every trial reads.\n"
        '    """\n'
        "    from odsweep.pipeline import _steps\n\n"
        "    _steps.start_step()\n"
        f"    done = _steps.validate(\n        {first},\n{kwargs}    )\n\n"
        "    class Outputs(NamedTuple):\n"
        "        spec_path: str\n"
        "        eval_dir: str\n\n"
        "    return Outputs(done.spec_path, done.eval_dir)\n"
    )


def define(source: str, name: str, module: str, namespace: dict[str, Any]) -> Any:
    """The function ``name`` defined by ``source``, as if written in ``module``.

    ``namespace`` holds the names the source's annotations use (``NamedTuple``); the pod
    gets the same ones from KFP's own preamble (``from typing import *``).
    """
    filename = f"<{module}:{name}>"
    lines = source.splitlines(keepends=True)
    # mtime None: linecache.checkcache keeps the entry (it has no file to compare).
    linecache.cache[filename] = (len(source), None, lines, filename)
    scope = dict(namespace)
    # dont_inherit: this module's postponed annotations would reach KFP as strings.
    exec(compile(source, filename, "exec", dont_inherit=True), scope)
    func = scope[name]
    func.__module__ = module
    return func
