"""Samplers per Katib algorithm: determinism, feasibility, types, scales, grid, startup."""

from __future__ import annotations

import itertools
import logging
import math
import statistics
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import optuna
import pytest

from odsweep.backends.optuna import distributions, make_sampler, suggest
from odsweep.spec import AlgorithmName, ParameterType, ParamValue, SearchSpec, parse_spec

Params = dict[str, ParamValue]


def _param(name: str, ptype: str, **space: Any) -> dict[str, Any]:
    return {
        "name": name,
        "configPath": f"train_config.{name}",
        "parameterType": ptype,
        "feasibleSpace": space,
    }


LOG_LR = _param("lr", "double", min=0.0001, max=0.1, distribution="logUniform")
MOMENTUM = _param("momentum", "double", min=0.8, max=0.9, step=0.05)
WARMUP = _param("warmup", "double", min=0.0, max=1.0)
BATCH = _param("batch", "int", min=1, max=3)
LAYERS = _param("layers", "int", min=2, max=8, step=2)
LOG_ANCHORS = _param("anchors", "int", min=1, max=64, distribution="logUniform")
DEPTH = _param("depth", "discrete", list=[0.35, 0.5, 1])
OPTIMIZER = _param("optimizer", "categorical", list=["adam", "momentum"])

# logUniform only where Katib honours it; grid needs enumerable parameters.
MIXED = [LOG_LR, MOMENTUM, WARMUP, BATCH, LAYERS, LOG_ANCHORS, DEPTH, OPTIMIZER]
LINEAR = [MOMENTUM, WARMUP, BATCH, LAYERS, DEPTH, OPTIMIZER]
GRID = [MOMENTUM, BATCH, DEPTH, OPTIMIZER]  # 3 * 3 * 3 * 2 = 54 points
SPACES = {
    AlgorithmName.RANDOM: MIXED,
    AlgorithmName.TPE: MIXED,
    AlgorithmName.MULTIVARIATE_TPE: MIXED,
    AlgorithmName.GRID: GRID,
    AlgorithmName.CMAES: LINEAR,
    AlgorithmName.SOBOL: LINEAR,
    # skopt ignores step (refused by the spec): every range without one.
    AlgorithmName.BAYESIANOPTIMIZATION: [LOG_LR, WARMUP, BATCH, LOG_ANCHORS, DEPTH, OPTIMIZER],
}
# hyperband samples with random's sampler (its brackets are the scheduler's, tested in
# test_budget_policy / test_engine_budget); its spec needs a resource parameter.
SAMPLED = [name for name in AlgorithmName if name is not AlgorithmName.HYPERBAND]
SEEDED = [name for name in SAMPLED if name is not AlgorithmName.SOBOL]
ROUNDS = 14  # past multivariate-tpe's 10 startup trials and one CMA-ES generation


def make_spec(
    algorithm: str,
    parameters: Sequence[dict[str, Any]],
    settings: dict[str, object] | None = None,
    *,
    direction: str = "maximize",
    max_trials: int = 8,
) -> SearchSpec:
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "sampling-test"},
        "spec": {
            "pipelineConfigPath": "pipeline.config",
            "numTrainSteps": 10,
            "checkpointEveryNSteps": 5,
            "objective": {"type": direction, "objectiveMetricName": "DetectionBoxes_Precision/mAP"},
            "algorithm": {
                "algorithmName": algorithm,
                "algorithmSettings": [
                    {"name": k, "value": str(v)} for k, v in (settings or {}).items()
                ],
            },
            "maxTrialCount": max_trials,
            "parameters": list(parameters),
        },
    }
    return parse_spec(doc, source="test.yaml", base_dir="/tmp")


def spec_for(algorithm: AlgorithmName, seed: int | None = None) -> SearchSpec:
    settings: dict[str, object] | None = None if seed is None else {"random_state": seed}
    return make_spec(algorithm.value, SPACES[algorithm], settings)


def fake_value(params: Params) -> float:
    """A deterministic objective that depends on every parameter."""
    total = 0.0
    for name, value in sorted(params.items()):
        total += len(value) * 0.1 if isinstance(value, str) else float(value)
        total += len(name) * 1e-3
    return total


def run(spec: SearchSpec, rounds: int = ROUNDS) -> list[Params]:
    """Ask/tell ``rounds`` trials in memory with fake objective values."""
    direction = optuna.study.StudyDirection[spec.objective.type.name]
    study = optuna.create_study(sampler=make_sampler(spec), storage=None, direction=direction)
    seen = []
    for _ in range(rounds):
        trial = study.ask()
        params = suggest(trial, spec)
        study.tell(trial, fake_value(params))
        seen.append(params)
    return seen


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[list[logging.LogRecord]]:
    """Fail on any Python warning; collect Optuna's logged warnings for the test to check."""
    records: list[logging.LogRecord] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                records.append(record)

    handler = _Keep()
    logger = logging.getLogger("optuna")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield records
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == []


@pytest.mark.parametrize("algorithm", SEEDED)
def test_same_seed_same_sequence(algorithm: AlgorithmName) -> None:
    assert run(spec_for(algorithm, seed=7)) == run(spec_for(algorithm, seed=7))


@pytest.mark.parametrize("algorithm", SEEDED)
def test_other_seed_other_sequence(algorithm: AlgorithmName) -> None:
    assert run(spec_for(algorithm, seed=7)) != run(spec_for(algorithm, seed=8))


def test_sobol_takes_no_seed_and_is_deterministic() -> None:
    assert run(spec_for(AlgorithmName.SOBOL)) == run(spec_for(AlgorithmName.SOBOL))


def test_cmaes_without_seed_is_deterministic_like_goptuna() -> None:
    assert run(spec_for(AlgorithmName.CMAES)) == run(spec_for(AlgorithmName.CMAES))


@pytest.mark.parametrize("algorithm", SAMPLED)
def test_values_are_feasible_and_keep_their_type(algorithm: AlgorithmName) -> None:
    spec = spec_for(algorithm, seed=None if algorithm is AlgorithmName.SOBOL else 3)
    for params in run(spec):
        assert list(params) == [p.name for p in spec.parameters]
        for param in spec.parameters:
            value = params[param.name]
            assert param.contains(value), (param.name, value)
            if param.type is ParameterType.INT:
                assert type(value) is int
            elif param.type is ParameterType.DOUBLE:
                assert type(value) is float
            elif param.type is ParameterType.CATEGORICAL:
                assert type(value) is str
            else:  # discrete: the listed value itself, int stays int
                assert any(type(value) is type(v) and value == v for v in param.values)


@pytest.mark.parametrize("algorithm", [AlgorithmName.RANDOM, AlgorithmName.SOBOL])
def test_both_bounds_are_reachable(algorithm: AlgorithmName) -> None:
    spec = make_spec(
        algorithm.value,
        [_param("n", "int", min=0, max=2), _param("x", "double", min=0.0, max=1.0, step=0.5)],
    )
    seen = run(spec, rounds=60 if algorithm is AlgorithmName.RANDOM else 16)
    assert {p["n"] for p in seen} == {0, 1, 2}
    assert {p["x"] for p in seen} == {0.0, 0.5, 1.0}


def test_log_uniform_samples_are_log_distributed() -> None:
    spec = make_spec(
        "random",
        [
            _param("lr", "double", min=0.0001, max=1.0, distribution="logUniform"),
            _param("n", "int", min=1, max=1000, distribution="logUniform"),
            _param("u", "double", min=0.0001, max=1.0),
        ],
        {"random_state": 1},
    )
    seen = run(spec, rounds=600)
    # Median of a log-uniform sample = geometric mean of the bounds; uniform: midpoint.
    assert math.log10(statistics.median(float(p["lr"]) for p in seen)) == pytest.approx(-2, abs=0.3)
    assert 20 <= statistics.median(int(p["n"]) for p in seen) <= 50
    assert statistics.median(float(p["u"]) for p in seen) == pytest.approx(0.5, abs=0.1)


def test_grid_enumerates_exactly_the_grid_points_then_stops() -> None:
    spec = spec_for(AlgorithmName.GRID, seed=5)
    expected = set(itertools.product(*(p.grid_values() or () for p in spec.parameters)))
    assert len(expected) == 54
    study = optuna.create_study(sampler=make_sampler(spec), direction="maximize")
    study.optimize(lambda trial: fake_value(suggest(trial, spec)), n_trials=len(expected) + 10)
    points = [tuple(t.params[p.name] for p in spec.parameters) for t in study.trials]
    assert len(points) == len(expected)  # Optuna's GridSampler stops the study when done
    assert set(points) == expected  # decimal steps: 0.85, never 0.8500000000000001
    assert {p[0] for p in points} == {0.8, 0.85, 0.9}


def x_spec(algorithm: str, settings: dict[str, object] | None = None) -> SearchSpec:
    return make_spec(algorithm, [_param("x", "double", min=0.0, max=10.0)], settings)


def random_sequence(seed: int, rounds: int) -> list[Params]:
    return run(x_spec("random", {"random_state": seed}), rounds)


def test_tpe_leaves_random_startup_after_one_trial_as_katib_hyperopt() -> None:
    # Katib: n_startup_jobs = trials asked in the call, 1 per freed slot.
    tpe = run(x_spec("tpe", {"random_state": 4}), rounds=3)
    rand = random_sequence(4, rounds=3)
    assert tpe[0] == rand[0]
    assert tpe[1] != rand[1]


@pytest.mark.parametrize(("settings", "startup"), [({}, 10), ({"n_startup_trials": 3}, 3)])
def test_multivariate_tpe_startup_is_optunas_default_or_the_setting(
    settings: dict[str, object], startup: int
) -> None:
    mtpe = run(x_spec("multivariate-tpe", {"random_state": 4, **settings}), rounds=startup + 1)
    rand = random_sequence(4, rounds=startup + 1)
    assert mtpe[:startup] == rand[:startup]
    assert mtpe[startup] != rand[startup]


@pytest.mark.parametrize("setting", [{"gamma": 0.9}, {"prior_weight": 5.0}, {"n_EI_candidates": 1}])
def test_tpe_settings_change_the_search(setting: dict[str, object]) -> None:
    default = run(x_spec("tpe", {"random_state": 4}), rounds=8)
    assert run(x_spec("tpe", {"random_state": 4, **setting}), rounds=8) != default


@pytest.mark.parametrize("algorithm", ["tpe", "multivariate-tpe"])
def test_tpe_concentrates_near_a_planted_optimum(algorithm: str) -> None:
    def distances(spec: SearchSpec) -> list[float]:
        study = optuna.create_study(sampler=make_sampler(spec), direction="maximize")
        study.optimize(lambda t: -((float(suggest(t, spec)["x"]) - 7.3) ** 2), n_trials=30)
        return [abs(float(t.params["x"]) - 7.3) for t in study.trials[-15:]]

    model = statistics.median(distances(x_spec(algorithm, {"random_state": 2})))
    rand = statistics.median(distances(x_spec("random", {"random_state": 2})))
    assert model < rand / 2


def test_cmaes_starts_at_the_centre_with_the_sigma_setting() -> None:
    params = [_param("x", "double", min=0.0, max=10.0), _param("y", "int", min=0, max=100)]
    tight = run(make_spec("cmaes", params, {"random_state": 1, "sigma": 0.0001}), rounds=5)
    wide = run(make_spec("cmaes", params, {"random_state": 1}), rounds=5)
    # CMA-ES from the first trial (goptuna knows the space up front), mean at the centre.
    assert all(abs(float(p["x"]) - 5.0) < 0.1 and p["y"] == 50 for p in tight)
    assert max(abs(float(p["x"]) - 5.0) for p in wide) > 0.5


def test_sobol_starts_at_the_origin_of_the_unscrambled_sequence() -> None:
    spec = make_spec(
        "sobol",
        [
            _param("x", "double", min=0.0, max=1.0),
            _param("n", "int", min=0, max=2),
            _param("c", "categorical", list=["a", "b"]),
        ],
    )
    first, second = run(spec, rounds=2)
    assert first == {"x": 0.0, "n": 0, "c": "a"}  # goptuna skips this point
    assert second == {"x": 0.5, "n": 1, "c": "b"}


def test_distributions_match_what_suggest_asks() -> None:
    spec = spec_for(AlgorithmName.RANDOM, seed=9)
    study = optuna.create_study(sampler=make_sampler(spec))
    trial = study.ask(fixed_distributions=distributions(spec))
    assert suggest(trial, spec) == trial.params
    assert trial.distributions == distributions(spec)
    fixed = optuna.trial.FixedTrial(dict(trial.params))
    assert suggest(fixed, spec) == trial.params


def test_every_setting_builds_without_warnings() -> None:
    make_sampler(x_spec("tpe", {"gamma": 0.3, "prior_weight": 2.0, "n_EI_candidates": 5}))
    make_sampler(make_spec("cmaes", LINEAR, {"sigma": 0.5, "restart_strategy": "none"}))
    make_sampler(x_spec("multivariate-tpe", {"n_startup_trials": 2, "n_ei_candidates": 5}))
    make_sampler(spec_for(AlgorithmName.SOBOL))
