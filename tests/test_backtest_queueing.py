"""Back-tests: the engine against queueing theory (Erlang C).

One working group with ``c`` teams, fed by a Poisson stream with
exponential durations and a lead department with far more staff than it can
use, is an M/M/c queue. Its mean waiting time must agree with the Erlang C
formula within the 95% confidence interval over independent replications.
"""

from __future__ import annotations

import pytest

from factories import mmc_scenario, write_files
from sim.loader import load_scenario
from sim.metrics import task_log
from sim.model import run_replication
from sim.stats import mean_ci
from theory import erlang_c_wait

REPLICATIONS = 30
HORIZON = 1200.0
WARM_UP = 100.0


def replication_mean_waits(scenario, seed: int) -> list[float]:
    """Return, per replication, the mean wait of tasks created after the warm-up and well before the horizon."""

    means = []
    for replication in range(REPLICATIONS):
        log = task_log(run_replication(scenario, seed, replication), scenario)
        window = log[(log["created"] >= WARM_UP) & (log["created"] <= HORIZON - 100)]
        assert window["start"].notna().all()
        means.append(window["wait"].mean())
    return means


@pytest.mark.slow
@pytest.mark.parametrize("teams, arrivals_per_minute", [(3, 1.5), (3, 2.5)], ids=["rho0.50", "rho0.83"])
def test_mmc_wait_matches_erlang_c(tmp_path, teams, arrivals_per_minute):
    """The mean wait of an M/M/c group lies within the 95% CI of 30 replications around Erlang C's Wq."""

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(teams, arrivals_per_minute, 1.0, HORIZON)))
    theory = erlang_c_wait(teams, arrivals_per_minute, 1.0)
    ci = mean_ci(replication_mean_waits(scenario, seed=2024))

    assert ci.n == REPLICATIONS
    assert ci.low <= theory <= ci.high, f"Erlang C {theory:.4f} outside [{ci.low:.4f}, {ci.high:.4f}]"
    assert ci.relative_half_width < 0.25


def test_mmc_detects_wrong_capacity(tmp_path):
    """The same comparison rejects a model with one team fewer, so the back-test can fail."""

    scenario = load_scenario(write_files(tmp_path, mmc_scenario(3, 1.5, 1.0, 600.0)))
    log = task_log(run_replication(scenario, 5, 0), scenario)
    wrong_theory = erlang_c_wait(2, 1.5, 1.0)
    assert log["wait"].mean() < wrong_theory / 2
