"""The rule for ``spec.parameters[].name``: what Katib and the trial command can carry.

What Katib 0.19 itself checks (kubeflow/katib, read for this rule):

- ``spec.parameters[].name``: nothing. The Experiment CRD has no schema and the
  experiment webhook (pkg/webhook/v1beta1/experiment/validator) checks only a
  parameter's type and feasible space.
- ``trialTemplate.trialParameters[].name``: non-empty, no ``{`` or ``}``, unique, and
  ``${trialParameters.NAME}`` must occur in the template's JSON text; afterwards no
  match of ``\\$\\{trialParameters\\..+?\\}`` may be left. Its ``reference`` must name a
  ``spec.parameters`` entry (or a ``${trialSpec.*}`` key).
- The trial controller (pkg/controller.v1beta1/experiment/manifest) substitutes the
  trial's values into that JSON text with a plain ``strings.Replace`` per name.

The binding limit is therefore the trial command, not Katib: odsweep renders
``--param NAME=${trialParameters.NAME}`` and Katib's pod webhook joins command and args
with spaces and runs them with ``sh -c`` unquoted, so NAME itself reaches a shell. A
name must hence be one shell word that no shell rewrites (the characters values may use),
must not start with ``-`` (``odsweep trial`` would read it as an option) and never holds
``=`` (``--param`` splits at the first one). Every such name is also a valid
``trialParameters`` name that JSON leaves unescaped, so odsweep uses each parameter name
unchanged as its trialParameter name and reference: no mapping to undo anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

TRIAL_NAME_PARAMETER = "trialName"
"""The trial parameter carrying Katib's trial name in odsweep's trial template."""

RESERVED_PARAMETER_NAMES: Mapping[str, str] = {
    TRIAL_NAME_PARAMETER: "the Katib trial template passes the trial's name under it",
}
"""Trial parameter names odsweep uses itself, and what for."""

# Optuna's study database stores a parameter name in a VARCHAR(512) (PostgreSQL enforces it).
MAX_PARAMETER_NAME_LENGTH = 512

NAME_CHARS = "ASCII letters, digits and . _ : / @ + -"
_NAME_CHAR_RE = re.compile(r"[A-Za-z0-9._:/@+-]")
_NOT_NAME_CHARS_RE = re.compile(r"[^A-Za-z0-9._:/@+-]+")


def name_problem(name: str) -> tuple[str, str] | None:
    """``(rule, fix)`` when ``name`` cannot be a parameter name, else None.

    ``name`` is non-empty (the reader refuses empty names before this).
    """
    if name in RESERVED_PARAMETER_NAMES:
        reserved = ", ".join(RESERVED_PARAMETER_NAMES)
        return (
            f"is reserved by odsweep ({RESERVED_PARAMETER_NAMES[name]}; reserved names: "
            f"{reserved})",
            f"rename it, e.g. {_snake(name)!r}",
        )
    bad = sorted({c for c in name if not _NAME_CHAR_RE.fullmatch(c)})
    if bad == ["="]:
        # A shell passes '=' through; the trial's --param parser would not.
        return (
            "must not contain '=' (the trial command splits --param NAME=VALUE at the first '=')",
            f"e.g. {_suggest(name)!r}",
        )
    if bad:
        found = " ".join(repr(c) for c in bad)
        return (
            f"may only use {NAME_CHARS} (Katib runs the trial command, which carries "
            f"--param NAME=VALUE, through sh -c unquoted; found {found})",
            f"e.g. {_suggest(name)!r}",
        )
    if name.startswith("-"):
        return (
            "must not start with '-' (the trial command would read --param -NAME=VALUE "
            "as an option)",
            f"e.g. {_suggest(name)!r}",
        )
    if len(name) > MAX_PARAMETER_NAME_LENGTH:
        return (
            f"must be at most {MAX_PARAMETER_NAME_LENGTH} characters (Optuna's study "
            f"database stores no more), not {len(name)}",
            "shorten it",
        )
    return None


def _suggest(name: str) -> str:
    """A name the rule accepts, close to ``name``."""
    text = _NOT_NAME_CHARS_RE.sub("_", name).strip("_").lstrip("-")
    text = text[:MAX_PARAMETER_NAME_LENGTH] or "param"
    return text if text not in RESERVED_PARAMETER_NAMES else _snake(text)


def _snake(name: str) -> str:
    """``trialName`` -> ``trial_name``: not reserved, since reserved names are camelCase."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
