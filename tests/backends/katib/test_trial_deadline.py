"""spec.trialTimeoutSeconds becomes the trial Job's activeDeadlineSeconds on Katib."""

from __future__ import annotations

from typing import Any

from odsweep.backends.katib import render_experiment
from odsweep.spec import spec_to_dict
from tests.backends.katib.katib_fixtures import make_options, make_spec, spec_doc


def _job_spec(**spec_keys: Any) -> dict[str, Any]:
    doc = spec_doc()
    doc["spec"].update(spec_keys)
    doc["spec"]["cluster"].pop("activeDeadlineSeconds", None)
    spec = make_spec(doc)
    job: dict[str, Any] = render_experiment(spec, options=make_options(spec))["spec"][
        "trialTemplate"
    ]["trialSpec"]["spec"]
    return job


def test_without_the_key_the_job_has_no_deadline() -> None:
    assert "activeDeadlineSeconds" not in _job_spec()


def test_the_trial_time_limit_is_the_jobs_deadline() -> None:
    assert _job_spec(trialTimeoutSeconds=5400)["activeDeadlineSeconds"] == 5400


def test_the_shorter_of_both_deadlines_wins() -> None:
    doc = spec_doc()
    doc["spec"]["trialTimeoutSeconds"] = 9000
    doc["spec"]["cluster"]["activeDeadlineSeconds"] = 7200
    spec = make_spec(doc)
    job = render_experiment(spec, options=make_options(spec))["spec"]["trialTemplate"]
    assert job["trialSpec"]["spec"]["activeDeadlineSeconds"] == 7200


def test_the_keys_reach_the_trial_through_the_uploaded_spec() -> None:
    doc = spec_doc()
    doc["spec"].update(trialTimeoutSeconds=5400, trialStallTimeoutSeconds=600)
    body = spec_to_dict(make_spec(doc))["spec"]
    assert (body["trialTimeoutSeconds"], body["trialStallTimeoutSeconds"]) == (5400, 600)
    assert "trialStallTimeoutSeconds" not in spec_to_dict(make_spec())["spec"]
