"""Validation of the engine against queueing theory and against Ciw.

* Erlang C: one group fed by a Poisson stream with exponential durations is
  an M/M/c queue. Its mean wait in steady state must lie within the 95%
  confidence interval of 30 replication means, for c = 1, 2, 5 and
  utilisations up to 0.95.
* Little's law: on a two-group network whose second group serves two
  priority classes, the time-average queue length from ``queue_series``
  over a window must equal the arrival rate in that window times the mean
  wait from the task log.
* Jackson network: two groups in series, where each task of group 1
  releases a follow-up in group 2 with probability p, run in hqsim and in
  Ciw. The two libraries' confidence intervals must overlap and each must
  contain the Erlang C wait of every station.
* The same comparisons reject a wrong number of teams and a wrong routing
  probability, so the tests can fail.
* The warm-ups are long enough: from an empty start, the expected mean wait
  over each M/M/c window is within 1% of Erlang C.

The models, seeds and the numbers they produce are listed in
docs/validation.md. Run ``python tests/validation_report.py`` to regenerate them.
"""

from __future__ import annotations

import pytest

from networks import (
    MMC_CASES,
    REPLICATIONS,
    STATION_GROUPS,
    STATION_TASKS,
    TANDEM_CASES,
    URGENT_TASK,
    little_measures,
    run_priority_network,
    run_tandem_case,
)
from sim.metrics import task_log

SLOW_CASES = {"c1-rho0.8", "c1-rho0.95", "c2-rho0.8", "c5-rho0.8"}
MAX_RELATIVE_HALF_WIDTH = 0.25
"""Widest accepted CI, relative to its mean. The waits at ρ = 0.95 are so strongly autocorrelated that
30 replications of an 8000-minute window give 0.22; the other cases give 0.09 to 0.17."""


def case_params(cases, slow_names):
    """Return ``pytest.param`` entries for ``cases``, marking those named in ``slow_names`` as slow."""

    return [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.name in slow_names else [])
            for case in cases]


def contains(ci, value: float) -> bool:
    """Return whether ``value`` lies in the closed interval [ci.low, ci.high]."""

    return ci.low <= value <= ci.high


def overlap(first, second) -> bool:
    """Return whether two confidence intervals share at least one point."""

    return first.low <= second.high and second.low <= first.high


@pytest.fixture(scope="module")
def mmc_results(tmp_path_factory):
    """Return a function that runs an M/M/c case once per module and returns its CI."""

    cache = {}

    def result(case):
        if case not in cache:
            cache[case] = case.run(tmp_path_factory.mktemp(case.name))
        return cache[case]

    return result


@pytest.fixture(scope="module")
def tandem_results(tmp_path_factory):
    """Return a function that runs a tandem case once per module in hqsim and Ciw."""

    cache = {}

    def result(case):
        if case not in cache:
            cache[case] = run_tandem_case(case, tmp_path_factory.mktemp(case.name))
        return cache[case]

    return result


# ------------------------------------------------------------------ Erlang C

@pytest.mark.parametrize("case", case_params(MMC_CASES, SLOW_CASES))
def test_mmc_wait_within_ci(mmc_results, case):
    """Erlang C's mean wait lies within the 95% CI of 30 hqsim replication means of the M/M/c group."""

    ci = mmc_results(case)
    theory = case.theory_wait()

    assert ci.n == REPLICATIONS
    assert contains(ci, theory), f"Erlang C {theory:.4f} outside [{ci.low:.4f}, {ci.high:.4f}]"


@pytest.mark.parametrize("case", MMC_CASES, ids=[case.name for case in MMC_CASES])
def test_mmc_warm_up_is_long_enough(case):
    """From an empty start, the expected mean wait over the window is within 1% of Erlang C."""

    assert abs(case.warm_up_bias()) < 0.01


@pytest.mark.parametrize("case", case_params(MMC_CASES, SLOW_CASES))
def test_mmc_ci_is_narrow(mmc_results, case):
    """The 95% CI half-width is at most 25% of the mean, so containing the theory value is a real check."""

    ci = mmc_results(case)

    assert ci.relative_half_width <= MAX_RELATIVE_HALF_WIDTH, f"relative half-width {ci.relative_half_width:.3f}"


@pytest.mark.parametrize("case, wrong_servers", [
    pytest.param(MMC_CASES[0], 2, id="c1-as-c2"),
    pytest.param(MMC_CASES[4], 4, id="c5-as-c4"),
    pytest.param(MMC_CASES[4], 6, id="c5-as-c6"),
])
def test_mmc_rejects_wrong_servers(mmc_results, case, wrong_servers):
    """Erlang C for one team more or fewer lies outside the CI, so the Erlang C test can fail."""

    ci = mmc_results(case)
    wrong_theory = case.theory_wait(servers=wrong_servers)

    assert not contains(ci, wrong_theory), f"Erlang C for c={wrong_servers} {wrong_theory:.4f} inside the CI"


# ------------------------------------------------------------ Little's law

LITTLE_TOLERANCE = 0.03
"""Relative tolerance of L = λW over a finite window. The law is exact only for a window that starts and
ends with an empty queue, because a task waiting across an edge adds queue time inside the window that
belongs to a wait outside it, or the reverse. With these seeds the largest gap is 1.3%."""


@pytest.fixture(scope="module")
def little_runs(tmp_path_factory):
    """Return (scenario, output) of each replication of the priority network."""

    return run_priority_network(tmp_path_factory.mktemp("little"))


@pytest.mark.parametrize("group", STATION_GROUPS)
def test_littles_law_queue(little_runs, group):
    """Time-average queue length over a window equals λ·W of the tasks created in it, within 3%."""

    for scenario, output in little_runs:
        measures = little_measures(scenario, output, group)

        assert measures["queue"] > 0.1, "the queue is too short for the check to mean anything"
        assert measures["queue"] == pytest.approx(measures["arrival_rate"] * measures["wait"], rel=LITTLE_TOLERANCE)


@pytest.mark.parametrize("group", STATION_GROUPS)
def test_littles_law_in_system(little_runs, group):
    """Time-average number in the group (queue plus busy teams) equals λ times the mean sojourn, within 3%."""

    for scenario, output in little_runs:
        measures = little_measures(scenario, output, group)

        expected = measures["arrival_rate"] * measures["sojourn"]
        assert measures["in_system"] == pytest.approx(expected, rel=LITTLE_TOLERANCE)


def test_priority_network_has_both_classes(little_runs):
    """Station 2 serves follow-ups of station 1 and its own urgent stream, so Little's law covers two classes."""

    scenario, output = little_runs[0]
    log = task_log(output, scenario)
    station_two = log[log["group"] == STATION_GROUPS[1]]

    assert set(station_two["task_type"]) == {STATION_TASKS[1], URGENT_TASK}
    assert (station_two.loc[station_two["task_type"] == STATION_TASKS[1], "origin"] == "follow_up").all()


# -------------------------------------------------- Jackson network vs Ciw

@pytest.mark.slow
@pytest.mark.parametrize("case", TANDEM_CASES, ids=[case.name for case in TANDEM_CASES])
@pytest.mark.parametrize("station", [0, 1], ids=["station1", "station2"])
def test_tandem_hqsim_matches_jackson(tandem_results, case, station):
    """The Jackson-network (Erlang C) wait of each station lies within hqsim's 95% CI."""

    result = tandem_results(case)
    ci = result.hqsim[station]
    theory = result.theory[station]

    assert ci.n == REPLICATIONS
    assert contains(ci, theory), f"theory {theory:.4f} outside hqsim [{ci.low:.4f}, {ci.high:.4f}]"


@pytest.mark.slow
@pytest.mark.parametrize("case", TANDEM_CASES, ids=[case.name for case in TANDEM_CASES])
@pytest.mark.parametrize("station", [0, 1], ids=["station1", "station2"])
def test_tandem_ciw_matches_jackson(tandem_results, case, station):
    """The Jackson-network wait of each station lies within Ciw's 95% CI, so the Ciw model is the same network."""

    result = tandem_results(case)
    ci = result.ciw[station]
    theory = result.theory[station]

    assert ci.n == REPLICATIONS
    assert contains(ci, theory), f"theory {theory:.4f} outside Ciw [{ci.low:.4f}, {ci.high:.4f}]"


@pytest.mark.slow
@pytest.mark.parametrize("case", TANDEM_CASES, ids=[case.name for case in TANDEM_CASES])
@pytest.mark.parametrize("station", [0, 1], ids=["station1", "station2"])
def test_tandem_hqsim_overlaps_ciw(tandem_results, case, station):
    """hqsim's and Ciw's 95% CIs of each station's mean wait overlap."""

    result = tandem_results(case)
    hqsim, ciw = result.hqsim[station], result.ciw[station]

    assert overlap(hqsim, ciw), (f"hqsim [{hqsim.low:.4f}, {hqsim.high:.4f}] "
                                 f"and Ciw [{ciw.low:.4f}, {ciw.high:.4f}] are disjoint")


@pytest.mark.slow
def test_tandem_rejects_wrong_routing(tandem_results):
    """Station 2's theory wait for routing probability 1 lies outside both CIs of the 0.6 run."""

    split = next(case for case in TANDEM_CASES if case.network.routing_probability == 0.6)
    unsplit = next(case for case in TANDEM_CASES if case.network.routing_probability == 1.0)
    result = tandem_results(split)
    wrong_theory = unsplit.network.theory_waits()[1]

    assert not contains(result.hqsim[1], wrong_theory)
    assert not contains(result.ciw[1], wrong_theory)


@pytest.mark.slow
def test_tandem_rejects_wrong_servers(tandem_results):
    """Station 2's theory wait for one team more lies outside both CIs, so a capacity error would be caught."""

    case = next(case for case in TANDEM_CASES if case.network.routing_probability == 1.0)
    result = tandem_results(case)
    wrong_servers = (case.network.servers[0], case.network.servers[1] + 1)
    wrong_theory = case.network.theory_waits(servers=wrong_servers)[1]

    assert not contains(result.hqsim[1], wrong_theory)
    assert not contains(result.ciw[1], wrong_theory)
