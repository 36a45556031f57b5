"""Functional tests of replications: seeding, parallel runs, precision and aggregation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from factories import mmc_scenario, write_files
from sim.experiment import run_experiment
from sim.loader import load_scenario
from sim.precision import look_ahead, run_to_precision


@pytest.fixture(scope="module")
def default_scenario(default_scenario_path):
    return load_scenario(default_scenario_path)


def test_parallel_equals_serial(default_scenario):
    """Two worker processes give exactly the numbers of one process."""

    serial = run_experiment(default_scenario, 6, 17, workers=1)
    parallel = run_experiment(default_scenario, 6, 17, workers=2)
    pd.testing.assert_frame_equal(serial.measures, parallel.measures)
    pd.testing.assert_frame_equal(serial.resource_summary(), parallel.resource_summary())
    pd.testing.assert_frame_equal(serial.queue_summary(), parallel.queue_summary())
    pd.testing.assert_frame_equal(serial.task_log, parallel.task_log)


def test_replication_independent_of_count(default_scenario):
    """Replication k gives the same measures whether 3 or 5 replications are run."""

    short = run_experiment(default_scenario, 3, 9, keep_task_log=False)
    long = run_experiment(default_scenario, 5, 9, keep_task_log=False)
    pd.testing.assert_frame_equal(short.measures, long.measures.iloc[:3])


def test_task_log_only_first_when_not_kept(default_scenario):
    """Without keep_task_log only replication 0 keeps task rows, so memory does not grow with rows."""

    result = run_experiment(default_scenario, 4, 9, keep_task_log=False)
    assert set(result.task_log["replication"]) == {0}
    assert [s.tasks is None for s in result.summaries] == [False, True, True, True]


def test_headline_matches_replications(default_scenario):
    """The headline mean and CI are the mean and Student-t interval of the per-replication measures."""

    result = run_experiment(default_scenario, 5, 4, keep_task_log=False)
    headline = result.headline().set_index("measure")
    values = result.measures["mean_response_delay"].to_numpy()
    from scipy import stats

    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / math.sqrt(5)
    assert headline.loc["mean_response_delay", "mean"] == pytest.approx(values.mean())
    assert headline.loc["mean_response_delay", "low"] == pytest.approx(values.mean() - half)
    assert headline.loc["targets_met_share", "high"] <= 1.0


def test_queue_summary_is_replication_mean(tmp_path):
    """The averaged queue series equals the mean of the replications' own series."""

    from sim.metrics import queue_series
    from sim.model import run_replication

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(2, 1.5, 1.0, 300)))
    result = run_experiment(scenario, 3, 2)
    own = pd.concat([queue_series(run_replication(scenario, 2, k)) for k in range(3)])
    expected = own.groupby(["resource", "time"], sort=False)["queue"].mean().to_numpy()
    assert np.allclose(result.queue_summary()["queue_mean"].to_numpy(), expected)


def test_look_ahead_grows_after_100():
    """The look-ahead is k_limit up to 100 replications and k_limit·n/100 beyond."""

    assert look_ahead(10, 5) == 5
    assert look_ahead(100, 5) == 5
    assert look_ahead(250, 5) == 13


def test_precision_stops_when_reached(tmp_path):
    """With a loose target the rule stops early, keeps exactly the chosen replications, and meets the target."""

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(2, 1.0, 1.0, 600)))
    result, report = run_to_precision(scenario, 5, 0.2, min_replications=5, max_replications=200)
    assert report.reached
    assert 5 <= report.replications < 200
    assert result.replications == report.replications
    widths = report.relative_half_widths
    assert math.isnan(widths["targets_met_share"])  # no targets in this scenario, so the measure does not apply
    assert widths["mean_wait"] <= 0.2
    assert widths["mean_response_delay"] <= 0.2


def test_precision_independent_of_workers(tmp_path):
    """The chosen number of replications is the same on one and on two worker processes."""

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(2, 1.0, 1.0, 600)))
    _, one = run_to_precision(scenario, 5, 0.1, min_replications=5, max_replications=100, workers=1)
    _, two = run_to_precision(scenario, 5, 0.1, min_replications=5, max_replications=100, workers=2)
    assert one.replications == two.replications
    assert one.relative_half_widths["mean_wait"] == two.relative_half_widths["mean_wait"]


def test_precision_unreachable_stops_at_max(tmp_path):
    """An unreachable target stops at the maximum count and reports it was not reached."""

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(2, 1.0, 1.0, 200)))
    result, report = run_to_precision(scenario, 5, 0.001, min_replications=3, max_replications=12)
    assert not report.reached
    assert report.replications == 12
    assert result.replications == 12


def test_group_utilisation_matches_load(tmp_path):
    """The utilisation of an M/M/c group is close to its load ρ = λ / (c μ)."""

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(3, 2.0, 1.0, 1000)))
    result = run_experiment(scenario, 20, 6, keep_task_log=False)
    group = result.resource_summary().set_index("resource").loc["测试组"]
    assert group["utilisation_low"] <= 2.0 / 3 <= group["utilisation_high"] + 0.01
    assert group["utilisation_mean"] == pytest.approx(2.0 / 3, abs=0.02)
    assert group["wait_p50"] <= group["wait_p90"] <= group["wait_p95"]


def test_bottleneck_ranking_names_busy_department(tmp_path):
    """The department with one staff member for a busy group ranks first by the waiting it caused."""

    from test_compare import TWO_DEPARTMENT_ORGANISATION, bottleneck_scenario

    scenario = load_scenario(write_files(tmp_path, bottleneck_scenario(), TWO_DEPARTMENT_ORGANISATION))
    ranking = run_experiment(scenario, 10, 2, keep_task_log=False).bottlenecks("department")
    assert ranking.iloc[0]["resource"] == "甲局"
    assert ranking.iloc[0]["rank"] == 1
    assert ranking.iloc[0]["wait_caused_low"] > 0
