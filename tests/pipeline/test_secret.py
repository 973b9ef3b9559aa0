"""The GCP key Secret: referenced only when asked for, and then required.

KFP backends before 2.15 drop ``optional`` from a Secret as env (older drivers even
reject the field), so an optional reference is no fallback to Workload Identity: the
pod waits in CreateContainerConfigError for a Secret that does not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.cli.main import main


def _compile(tmp_path: Path, *flags: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "p.yaml"
    args = ["pipeline", "compile", "--output", str(out), "--components-dir", ""]
    assert main([*args, *flags]) == 0
    text = out.read_text()
    platform = list(yaml.safe_load_all(text))[1]
    return text, platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


def test_default_package_references_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, executors = _compile(tmp_path)
    assert "secret" not in text.lower()
    assert executors  # the placement settings are there, so the check above means something
    assert all("secretAsEnv" not in config for config in executors.values())


def test_credentials_secret_adds_exactly_one_required_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, executors = _compile(tmp_path, "--credentials-secret", "gcs-key")
    spec = next(yaml.safe_load_all(text))
    assert set(executors) == set(spec["deploymentSpec"]["executors"])
    for name, config in executors.items():
        assert config["secretAsEnv"] == [
            {
                "keyToEnv": [{"envVar": "ODSWEEP_GCP_KEY_JSON", "secretKey": "key.json"}],
                "secretName": "gcs-key",
                "secretNameParameter": {"runtimeValue": {"constant": "gcs-key"}},
            }
        ], name
        container = spec["deploymentSpec"]["executors"][name]["container"]
        assert container["env"] == [{"name": "ODSWEEP_CREDENTIALS_SECRET", "value": "gcs-key"}]
    assert "optional" not in text
