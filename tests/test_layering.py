"""The layering holds (tests/layering.py), and the checker can fail."""

from __future__ import annotations

from pathlib import Path

from tests.layering import check

SRC = Path(__file__).resolve().parents[1] / "src" / "odsweep"


def test_odsweep_keeps_its_layers() -> None:
    assert [str(v) for v in check(SRC, "odsweep")] == []


# A package that breaks every rule once (and keeps a few allowed imports, which must
# not be reported).
FIXTURE = {
    "__init__.py": "",
    "errors.py": "",
    "tfcompat.py": "import tensorflow as tf\nfrom tf_keras.src import backend\n",
    "storage/__init__.py": "def client():\n    from google.cloud import storage\n",
    "heavy.py": "import optuna\nimport object_detection.protos\n",
    "validation.py": "from fakepkg.trial import runner\n",
    "spec/__init__.py": (
        "from fakepkg import heavy\nfrom fakepkg import storage\ndef compile():\n    import kfp\n"
    ),
    "results/__init__.py": "from fakepkg import errors, storage\nfrom . import _rows\n",
    "results/_rows.py": "from ..spec import Thing\n",
    "backends/__init__.py": "",
    "backends/optuna/__init__.py": (
        "import optuna\ndef launch():\n    from fakepkg.trial.runner import run\n"
    ),
    "backends/katib/__init__.py": "from fakepkg import validation\n",
    "trial/__init__.py": "",
    "trial/runner.py": (
        "import object_detection\nfrom tf_keras.src import backend\nimport tensorflow\n"
    ),
    "report/__init__.py": "from fakepkg.backends import katib\n",
    "cli.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import kfp\n"
        "import kubernetes\n"
        "def upload():\n    from google.cloud import storage\n"
    ),
}


def test_the_checker_reports_every_broken_rule(tmp_path: Path) -> None:
    root = tmp_path / "fakepkg"
    for name, text in FIXTURE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # Each rule once at least; the allowed imports (tfcompat's TensorFlow, storage's
    # lazy google.cloud, spec through storage, the engine's optuna, the trial's
    # object_detection, a TYPE_CHECKING-only kfp) are absent.
    engine = "an engine must not import fakepkg.trial"
    od_owners = "fakepkg.tfcompat or fakepkg.trial or fakepkg.export or fakepkg.odconfig"

    def pure(name: str) -> str:
        return f"spec/results must not import {name}"

    def owned(owner: str, name: str) -> str:
        return f"only {owner} may import {name}"

    assert [(v.module, v.line, v.rule) for v in check(root, "fakepkg")] == [
        ("fakepkg.backends.katib", 0, engine),
        ("fakepkg.backends.optuna", 0, engine),
        ("fakepkg.cli", 4, owned("fakepkg.backends.katib", "kubernetes")),
        ("fakepkg.cli", 6, owned("fakepkg.storage", "google.cloud")),
        ("fakepkg.heavy", 1, owned("fakepkg.backends.optuna", "optuna")),
        ("fakepkg.heavy", 2, owned(od_owners, "object_detection")),
        ("fakepkg.report", 0, "report must not import fakepkg.backends"),
        ("fakepkg.report", 0, "report must not import fakepkg.trial"),
        ("fakepkg.results", 0, pure("kfp")),
        ("fakepkg.results", 0, pure("optuna")),
        ("fakepkg.results", 0, pure("object_detection")),
        ("fakepkg.results._rows", 1, "results may import only fakepkg.errors and fakepkg.storage"),
        ("fakepkg.results._rows", 0, pure("kfp")),
        ("fakepkg.results._rows", 0, pure("optuna")),
        ("fakepkg.results._rows", 0, pure("object_detection")),
        ("fakepkg.spec", 4, owned("fakepkg.pipeline", "kfp")),
        ("fakepkg.spec", 4, pure("kfp")),
        ("fakepkg.spec", 0, pure("optuna")),
        ("fakepkg.spec", 0, pure("object_detection")),
        ("fakepkg.trial.runner", 2, owned("fakepkg.tfcompat", "tf_keras")),
        ("fakepkg.trial.runner", 3, owned("fakepkg.tfcompat", "tensorflow")),
    ]
    # The message names the path a transitive import takes.
    via = next(v for v in check(root, "fakepkg") if (v.module, v.line) == ("fakepkg.spec", 0))
    assert str(via) == (
        "fakepkg.spec:0: spec/results must not import optuna: "
        "fakepkg.spec -> ... -> fakepkg.heavy imports optuna"
    )
