"""The import rules between odsweep's packages, checked by reading the source (AST).

Every ``import`` and ``from ... import`` counts, at module level or inside a function
(a lazy import still runs), except those under ``if TYPE_CHECKING:`` (they never run).
Importing ``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``, so those count as
edges too. Imports built from strings (``importlib.import_module``) are not seen; the
package faces that use them (``pipeline``, ``trial``) only name their own modules.

:func:`check` takes the package's root folder and name, so the tests can run the same
rules over a small fixture package that breaks each one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Third-party packages the pure layers (spec/, results/) must never reach.
HEAVY = (
    "tensorflow",
    "tf_keras",
    "object_detection",
    "optuna",
    "kfp",
    "kubernetes",
    "google.cloud",
    "skopt",
    "tensorflow_serving",
)

# Which packages may import a third-party package directly (relative to the root package;
# "" means nobody). The rest of the code reaches it through these.
OWNERS: dict[str, tuple[str, ...]] = {
    "tensorflow": ("tfcompat",),
    "tf_keras": ("tfcompat",),
    "object_detection": ("tfcompat", "trial", "export", "odconfig"),
    "kfp": ("pipeline",),
    "optuna": ("backends.optuna",),
    "skopt": ("backends.optuna",),
    "kubernetes": ("backends.katib",),
    "google.cloud": ("storage",),
    "tensorflow_serving": ("export",),
}

PURE = ("spec", "results")
# What results/ may import from the package: nothing above it.
RESULTS_MAY_IMPORT = ("errors", "storage", "results")
# The store's door: google-cloud-storage loads only on the first gs:// path. The pure
# layers use odsweep.storage; the closure does not follow it (its own rule: only
# storage imports google.cloud).
DOORS = ("storage",)
ENGINES = ("backends.optuna", "backends.katib")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted (a module, or a module's attribute)
    line: int


@dataclass(frozen=True)
class Violation:
    rule: str
    module: str
    line: int
    detail: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.rule}: {self.detail}"


def _module_name(root: Path, package: str, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        here = module.split(".") if is_package else module.split(".")[:-1]
        anchor = here[: len(here) - (node.level - 1)]
        base = ".".join([*anchor, base]) if base else ".".join(anchor)
    # `from a import b` imports a, and a.b when b is a module: keep both candidates.
    return [base, *(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")]


def scan(root: Path, package: str) -> dict[str, list[Import]]:
    """Every module under ``root`` (the package ``package``) and what it imports."""
    modules: dict[str, list[Import]] = {}
    for path in sorted(root.rglob("*.py")):
        name = _module_name(root, package, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        found = [
            Import(name, target, node.lineno)
            for node in _import_nodes(tree)
            for target in _targets(name, is_package, node)
        ]
        modules[name] = sorted(found, key=lambda i: (i.line, i.target))
    return modules


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _internal_edges(modules: dict[str, list[Import]], package: str) -> dict[str, set[str]]:
    """Module -> the package's modules its imports run (with their parent packages)."""
    edges: dict[str, set[str]] = {}
    for name, imports in modules.items():
        out: set[str] = set()
        for imp in imports:
            if not _within(imp.target, package):
                continue
            parts = imp.target.split(".")
            for end in range(1, len(parts) + 1):
                candidate = ".".join(parts[:end])
                if candidate in modules and candidate != name:
                    out.add(candidate)
        edges[name] = out
    return edges


def _closure(start: str, edges: dict[str, set[str]], stop: tuple[str, ...]) -> list[str]:
    """``start`` and every module it reaches, not entering the ``stop`` packages."""
    seen = {start}
    order = [start]
    for current in order:
        for nxt in sorted(edges.get(current, ())):
            if nxt in seen or any(_within(nxt, s) for s in stop):
                continue
            seen.add(nxt)
            order.append(nxt)
    return order


def _top(target: str, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if _within(target, n)), None)


def check(root: Path, package: str) -> list[Violation]:
    """Every broken rule in the package at ``root``, in a stable order."""
    modules = scan(root, package)
    edges = _internal_edges(modules, package)

    def rel(*names: str) -> tuple[str, ...]:
        return tuple(f"{package}.{n}" if n else package for n in names)

    found: list[Violation] = []
    for name in sorted(modules):
        own = modules[name]
        # Owners of third-party packages: direct imports only.
        for imp in own:
            heavy = _top(imp.target, tuple(OWNERS))
            if heavy and not any(_within(name, o) for o in rel(*OWNERS[heavy])):
                owners = " or ".join(rel(*OWNERS[heavy]))
                found.append(
                    Violation(f"only {owners} may import {heavy}", name, imp.line, imp.target)
                )
        # results/ imports nothing of the package above it.
        if _within(name, f"{package}.results"):
            allowed = rel(*RESULTS_MAY_IMPORT)
            for imp in own:
                if (
                    _within(imp.target, package)
                    and imp.target != package
                    and not any(_within(imp.target, a) for a in allowed)
                ):
                    found.append(
                        Violation(
                            f"results may import only {package}.errors and {package}.storage",
                            name,
                            imp.line,
                            imp.target,
                        )
                    )
        # The pure layers reach no heavy package, directly or through odsweep modules.
        if any(_within(name, p) for p in rel(*PURE)):
            for via in _closure(name, edges, rel(*DOORS)):
                for imp in modules[via]:
                    heavy = _top(imp.target, HEAVY)
                    if heavy:
                        path = name if via == name else f"{name} -> ... -> {via}"
                        found.append(
                            Violation(
                                f"spec/results must not import {heavy}",
                                name,
                                imp.line if via == name else 0,
                                f"{path} imports {imp.target}",
                            )
                        )
        # Engines reach a trial only through its process and its files; the report
        # reads records only.
        forbidden: tuple[str, ...] = ()
        what = ""
        if any(_within(name, e) for e in rel(*ENGINES)):
            forbidden, what = rel("trial"), "an engine must not import"
        elif _within(name, f"{package}.report"):
            forbidden, what = rel("trial", "backends"), "report must not import"
        if forbidden:
            for via in _closure(name, edges, ()):
                if via == name:
                    continue
                hit = _top(via, forbidden)
                if hit:
                    found.append(Violation(f"{what} {hit}", name, 0, f"{name} reaches {via}"))
    return _unique(found)


def _unique(found: list[Violation]) -> list[Violation]:
    """One violation per rule and import line (``from a import b`` yields a and a.b);
    one per rule and module for what a module reaches (line 0)."""
    seen: set[tuple[str, str, int]] = set()
    out = []
    for v in found:
        key = (v.rule, v.module, v.line)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out
