"""write_report into a bucket (a real GCS server on 127.0.0.1), and its failures."""

from __future__ import annotations

import pytest
from report_fixtures import METRIC, trial
from tests.gcs_fixtures import FaultProxy, GcsBucket, fault_proxy, gcs, gcs_server

from odsweep.errors import InputError
from odsweep.report import FILES_DIR, Report, build_report, write_report
from odsweep.spec import ObjectiveType

__all__ = ["fault_proxy", "gcs", "gcs_server"]


@pytest.fixture(scope="module")
def report() -> Report:
    results = [trial("a", [0.1, 0.2], params={"lr": 0.01}), trial("b", [0.3], params={"lr": 0.1})]
    return build_report(
        title="w",
        results=results,
        metric=METRIC,
        direction=ObjectiveType.MAXIMIZE,
        param_scales={"lr": "log"},
    )


def test_the_report_and_its_images_land_in_the_bucket(report: Report, gcs: GcsBucket) -> None:
    gcs.put(f"sweep/{FILES_DIR}/param_07_old.png", b"stale")
    gcs.put(f"sweep/{FILES_DIR}/notes.txt", "not ours to delete")
    md, html = write_report(report, gcs.uri("sweep"))
    assert (md, html) == (gcs.uri("sweep/report.md"), gcs.uri("sweep/report.html"))
    assert gcs.get("sweep/report.md").decode() == report.markdown
    assert gcs.get("sweep/report.html").decode() == report.html
    for name, png in report.images.items():
        assert gcs.get(f"sweep/{FILES_DIR}/{name}.png") == png
    pngs = {n.rsplit("/", 1)[-1] for n in gcs.names(f"sweep/{FILES_DIR}/") if n.endswith(".png")}
    assert pngs == {f"{name}.png" for name in report.images}  # the stale one is gone
    assert f"sweep/{FILES_DIR}/notes.txt" in gcs.names()


def test_no_permission_to_write_the_report_names_the_uri(
    report: Report, gcs: GcsBucket, fault_proxy: FaultProxy
) -> None:
    fault_proxy.fail(r"^POST /upload/", status=403, times=100)
    with pytest.raises(InputError, match=r"^gs://odsweep-test/sweep/report_files/.*\.png: "
                       r"permission denied to write"):  # fmt: skip
        write_report(report, gcs.uri("sweep"))
    assert gcs.names() == []  # nothing half-written: the text files come after the images


def test_a_transient_upload_failure_is_retried(
    report: Report, gcs: GcsBucket, fault_proxy: FaultProxy
) -> None:
    fault_proxy.fail(r"^POST /upload/", status=503, times=2)
    write_report(report, gcs.uri("sweep"))
    assert gcs.get("sweep/report.html").decode() == report.html
