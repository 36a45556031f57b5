"""Queueing models for the validation tests, run in hqsim and in Ciw.

A :class:`TandemNetwork` is two M/M/c stations in series. Poisson arrivals
enter station 1, and each departure from station 1 moves on to station 2
with a fixed probability and leaves otherwise. In hqsim a station is a
working group whose lead department has far more staff than it can use, so
only the group's teams are ever waited for. Station 1's task type releases
station 2's task type as a follow-up. In Ciw the same model is a 2-node
network with routing 1 → 2. By Jackson's theorem each station is an M/M/c
queue with its own arrival rate, so Erlang C gives each station's mean wait.

Replications run in a process pool. Each replication draws from streams
derived only from (seed, replication number), so the results are the same
for any number of worker processes.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ciw
import numpy as np
from scipy.linalg import expm

from factories import mmc_scenario, write_files
from sim.experiment import default_workers
from sim.loader import load_scenario
from sim.metrics import acquisition_frame, queue_series, task_log
from sim.model import ReplicationOutput, run_replication
from sim.scenario import Scenario
from sim.stats import ConfidenceInterval, mean_ci
from theory import erlang_c_wait

REPLICATIONS = 30
HQSIM_SEED = 20261204
"""Root seed of every hqsim run in the validation tests."""
CIW_SEED = 20261204
"""Ciw replication ``k`` is seeded with ``CIW_SEED + k``."""

MMC_GROUP = "测试组"
"""The single group of :func:`factories.mmc_scenario`."""

LEAD_STAFF = 1000
"""Staff of every lead department, far above the tasks these models have at once.

:func:`hqsim_replication_waits` checks that no task ever waited for staff."""

STATION_GROUPS = ("一号站", "二号站")
STATION_TASKS = ("一号站任务", "二号站任务")

TANDEM_ORGANISATION = {
    "schema": "hqsim-organisation/1",
    "name": "两站串联验证组织",
    "departments": [
        {"name": "甲局", "name_en": "Bureau A"},
        {"name": "乙局", "name_en": "Bureau B"},
    ],
    "groups": [
        {"number": 1, "name": STATION_GROUPS[0], "name_en": "Station 1",
         "duties": [{"number": 1, "text": "处置一号站任务。"}], "lead": "甲局", "cooperating": []},
        {"number": 2, "name": STATION_GROUPS[1], "name_en": "Station 2",
         "duties": [{"number": 1, "text": "处置二号站任务。"}], "lead": "乙局", "cooperating": []},
    ],
}


@dataclass(frozen=True)
class Window:
    """The steady-state window: only tasks created in [start, end) are measured (minutes)."""

    start: float
    end: float

    def __post_init__(self):
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid window [{self.start}, {self.end}): start must be >= 0 and below end")


@dataclass(frozen=True)
class TandemNetwork:
    """Two M/M/c stations in series, with rates per minute and mean service times in minutes."""

    arrival_rate: float
    mean_services: tuple[float, float]
    servers: tuple[int, int]
    routing_probability: float
    """Probability that a departure from station 1 goes on to station 2."""

    def arrival_rates(self) -> tuple[float, float]:
        """Return the arrival rate of each station (traffic equations of the Jackson network)."""

        return self.arrival_rate, self.arrival_rate * self.routing_probability

    def utilisations(self) -> tuple[float, float]:
        """Return ρ = λ / (c μ) of each station."""

        return tuple(rate * mean / servers for rate, mean, servers
                     in zip(self.arrival_rates(), self.mean_services, self.servers))

    def theory_waits(self, servers: tuple[int, int] | None = None) -> tuple[float, float]:
        """Return each station's Erlang C mean wait, for the server counts ``servers`` if given."""

        servers = servers or self.servers
        return tuple(erlang_c_wait(count, rate, 1.0 / mean) for count, rate, mean
                     in zip(servers, self.arrival_rates(), self.mean_services))

    def scenario(self, horizon: float) -> dict:
        """Return the hqsim scenario of this network as a dict ready to be written as YAML."""

        first_task = {
            "id": STATION_TASKS[0], "group": STATION_GROUPS[0], "duty": 1,
            "duration": {"dist": "exponential", "mean": self.mean_services[0]},
            "follow_ups": [{"task": STATION_TASKS[1], "probability": self.routing_probability}],
        }
        second_task = {
            "id": STATION_TASKS[1], "group": STATION_GROUPS[1], "duty": 1,
            "duration": {"dist": "exponential", "mean": self.mean_services[1]},
        }
        return {
            "schema": "hqsim-scenario/1",
            "name": "两站串联排队网络验证",
            "organisation": "organisation.yaml",
            "horizon": horizon,
            "hq_activation": {"dist": "fixed", "value": 0},
            "departments": {"default": {"staff": LEAD_STAFF, "mobilisation": {"dist": "fixed", "value": 0}}},
            "groups": {STATION_GROUPS[0]: {"teams": self.servers[0]}, STATION_GROUPS[1]: {"teams": self.servers[1]}},
            "task_types": [first_task, second_task],
            "streams": [{"id": "外部到达", "task": STATION_TASKS[0],
                         "rates": [{"from": 0, "per_hour": self.arrival_rate * 60}]}],
        }

    def write_scenario(self, folder: Path, horizon: float) -> Path:
        """Write the scenario and its organisation into ``folder`` and return the scenario's path."""

        return write_files(folder, self.scenario(horizon), TANDEM_ORGANISATION)

    def ciw_network(self) -> ciw.network.Network:
        """Return the same network for Ciw: external arrivals at node 1 only, routing 1 → 2, then exit."""

        return ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=self.arrival_rate), None],
            service_distributions=[ciw.dists.Exponential(rate=1.0 / mean) for mean in self.mean_services],
            routing=[[0.0, self.routing_probability], [0.0, 0.0]],
            number_of_servers=list(self.servers),
        )


def expected_window_wait(servers: int, arrival_rate: float, service_rate: float, window: Window,
                         step: float = 5.0) -> float:
    """Return the expected mean wait of M/M/c arrivals in ``window`` when the queue starts empty at time 0.

    The number in system follows the birth-death chain, truncated where the
    stationary probability of more customers, about ρ^(n - c), is below 1e-12.
    A queue that starts empty stays stochastically smaller than a stationary
    one, so the truncation loses even less. The distribution is advanced in
    steps of ``step`` minutes with the matrix exponential of the generator. By
    PASTA an arrival at time t sees that distribution, and with n in system it
    waits max(n - c + 1, 0) / (c μ) on average. The window average is taken
    over the step grid, an approximation whose error shrinks with ``step``.
    """

    utilisation = arrival_rate / (servers * service_rate)
    states = servers + math.ceil(math.log(1e-12) / math.log(utilisation))
    generator = np.zeros((states + 1, states + 1))
    for count in range(states + 1):
        if count < states:
            generator[count, count + 1] = arrival_rate
        if count > 0:
            generator[count, count - 1] = service_rate * min(count, servers)
        generator[count, count] = -generator[count].sum()
    transition = expm(generator * step)

    queued = np.maximum(np.arange(states + 1) - servers + 1, 0) / (servers * service_rate)
    distribution = np.zeros(states + 1)
    distribution[0] = 1.0
    waits = []
    for time in np.arange(0.0, window.end, step):
        if time >= window.start:
            waits.append(float(queued @ distribution))
        distribution = distribution @ transition
    return float(np.mean(waits))


def run_pool(function, arguments: list[tuple], workers: int | None = None) -> list:
    """Return ``[function(*args) for args in arguments]``, computed in a process pool unless ``workers`` is 1."""

    workers = workers or default_workers()
    if workers <= 1:
        return [function(*args) for args in arguments]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(function, *args) for args in arguments]
        return [future.result() for future in futures]


def hqsim_replication_waits(scenario: Scenario, seed: int, replication: int, window: Window) -> dict[str, float]:
    """Run one hqsim replication and return per group the mean wait of tasks created in ``window``.

    Raises AssertionError if a task created in the window never started,
    because its wait would be censored and the mean biased low. Choose a
    horizon far enough past ``window.end`` that this cannot happen. Also
    raises AssertionError if any task waited for department staff, because
    then a group is no longer an M/M/c queue.
    """

    output = run_replication(scenario, seed, replication)
    requests = acquisition_frame(output)
    departments = [index for index, info in enumerate(output.resources) if info.kind == "department"]
    staff_waits = requests.loc[requests["resource_index"].isin(departments), "wait"]
    assert (staff_waits == 0).all(), f"tasks waited {staff_waits.sum():g} minutes for department staff"

    log = task_log(output, scenario)
    measured = log[(log["created"] >= window.start) & (log["created"] < window.end)]
    unstarted = int(measured["start"].isna().sum())
    assert unstarted == 0, f"{unstarted} tasks created in the window had not started at the horizon"

    return {group: float(rows["wait"].mean()) for group, rows in measured.groupby("group")}


def hqsim_mean_waits(scenario: Scenario, seed: int, replications: int, window: Window,
                     workers: int | None = None) -> dict[str, list[float]]:
    """Return, per group, the replication means of the wait of tasks created in ``window``."""

    results = run_pool(hqsim_replication_waits,
                       [(scenario, seed, replication, window) for replication in range(replications)], workers)
    groups = sorted({group for result in results for group in result})
    return {group: [result.get(group, math.nan) for result in results] for group in groups}


def ciw_replication_waits(network: TandemNetwork, seed: int, horizon: float, window: Window) -> list[float]:
    """Run one Ciw replication to ``horizon`` and return per node the mean wait of arrivals in ``window``.

    Ciw (3.2.7, ``Node.release``) writes a record only when a service ends,
    so a customer still at a node at the horizon has no record. Raises
    AssertionError if such a customer arrived in the window, because the
    mean would then be biased low. Choose a horizon far enough past
    ``window.end`` that this cannot happen.
    """

    ciw.seed(seed)
    simulation = ciw.Simulation(network.ciw_network())
    simulation.simulate_until_max_time(horizon)

    unrecorded = [individual for node in simulation.transitive_nodes for individual in node.all_individuals
                  if window.start <= individual.arrival_date < window.end]
    assert not unrecorded, f"{len(unrecorded)} customers who arrived in the window were still at a node at the horizon"

    records = [record for record in simulation.get_all_records()
               if record.record_type == "service" and window.start <= record.arrival_date < window.end]

    means = []
    for node in (1, 2):
        waits = [record.waiting_time for record in records if record.node == node]
        means.append(float(np.mean(waits)) if waits else math.nan)
    return means


def ciw_mean_waits(network: TandemNetwork, seed: int, replications: int, horizon: float, window: Window,
                   workers: int | None = None) -> list[list[float]]:
    """Return, per node, the Ciw replication means. Replication ``k`` uses the seed ``seed + k``."""

    results = run_pool(ciw_replication_waits,
                       [(network, seed + replication, horizon, window) for replication in range(replications)],
                       workers)
    return [[result[node] for result in results] for node in range(2)]


def load_tandem(network: TandemNetwork, folder: Path, horizon: float) -> Scenario:
    """Write ``network`` as an hqsim scenario into ``folder`` and load it with the real loader."""

    return load_scenario(network.write_scenario(folder, horizon))


@dataclass(frozen=True)
class MmcCase:
    """One M/M/c back-test: ``servers`` teams at utilisation ρ, mean service ``mean_service`` minutes."""

    servers: int
    utilisation: float
    window: Window
    horizon: float
    mean_service: float = 1.0

    @property
    def name(self) -> str:
        """Short id used in test ids and report rows, for example 'c1-rho0.95'."""

        return f"c{self.servers}-rho{self.utilisation:g}"

    @property
    def arrival_rate(self) -> float:
        """λ = ρ c μ, per minute."""

        return self.utilisation * self.servers / self.mean_service

    def theory_wait(self, servers: int | None = None) -> float:
        """Return the Erlang C mean wait, for ``servers`` teams if given."""

        return erlang_c_wait(servers or self.servers, self.arrival_rate, 1.0 / self.mean_service)

    def warm_up_bias(self) -> float:
        """Return the relative gap between the expected window mean wait from an empty start and Erlang C."""

        expected = expected_window_wait(self.servers, self.arrival_rate, 1.0 / self.mean_service, self.window)
        return expected / self.theory_wait() - 1.0

    def run(self, folder: Path, workers: int | None = None) -> ConfidenceInterval:
        """Run the case in hqsim and return the 95% CI of the replication mean waits."""

        scenario = load_scenario(write_files(
            folder, mmc_scenario(self.servers, self.arrival_rate, self.mean_service, self.horizon)))
        waits = hqsim_mean_waits(scenario, HQSIM_SEED, REPLICATIONS, self.window, workers)
        return mean_ci(waits[MMC_GROUP])


# The warm-ups make the expected mean wait over each window, from an empty
# start, lie within 1% of Erlang C (see MmcCase.warm_up_bias). The largest gap
# is -0.5%, at c=1 and ρ=0.95. Each horizon ends at least 100 minutes past its
# window, so that every task created in the window has started.
MMC_CASES = (
    MmcCase(1, 0.5, Window(100, 1100), 1200),
    MmcCase(1, 0.8, Window(200, 1800), 2000),
    MmcCase(1, 0.95, Window(2000, 10000), 10500),
    MmcCase(2, 0.8, Window(200, 1100), 1200),
    MmcCase(5, 0.5, Window(100, 600), 700),
    MmcCase(5, 0.8, Window(100, 600), 700),
)


@dataclass(frozen=True)
class TandemCase:
    """A tandem network with its steady-state window and horizon (minutes)."""

    name: str
    network: TandemNetwork
    window: Window
    horizon: float


@dataclass(frozen=True)
class TandemResult:
    """Per station: the Jackson-network wait and the 95% CIs of the hqsim and Ciw replication means."""

    theory: tuple[float, float]
    hqsim: tuple[ConfidenceInterval, ConfidenceInterval]
    ciw: tuple[ConfidenceInterval, ConfidenceInterval]


TANDEM_CASES = (
    TandemCase("routing1.0", TandemNetwork(0.8, (2.0, 3.0), (2, 3), 1.0), Window(500, 2300), 2500),
    TandemCase("routing0.6", TandemNetwork(0.8, (2.0, 3.0), (2, 3), 0.6), Window(500, 2300), 2500),
)


def run_tandem_case(case: TandemCase, folder: Path, workers: int | None = None) -> TandemResult:
    """Run ``case`` in hqsim and in Ciw, ``REPLICATIONS`` replications each."""

    scenario = load_tandem(case.network, folder, case.horizon)
    hqsim_waits = hqsim_mean_waits(scenario, HQSIM_SEED, REPLICATIONS, case.window, workers)
    ciw_waits = ciw_mean_waits(case.network, CIW_SEED, REPLICATIONS, case.horizon, case.window, workers)
    return TandemResult(
        theory=case.network.theory_waits(),
        hqsim=tuple(mean_ci(hqsim_waits[group]) for group in STATION_GROUPS),
        ciw=tuple(mean_ci(waits) for waits in ciw_waits),
    )


# The Little's law network: the tandem network with an extra, higher-priority
# stream of short tasks at station 2.
PRIORITY_NETWORK = TandemNetwork(0.8, (2.0, 1.0), (2, 1), 0.6)
URGENT_TASK = "二号站紧急任务"
URGENT_RATE = 0.3
"""Arrivals of urgent tasks at station 2, per minute."""
URGENT_MEAN_SERVICE = 0.5
LITTLE_HORIZON = 6000.0
LITTLE_WINDOW = Window(500.0, 5500.0)
LITTLE_BIN = 100.0
LITTLE_SEED = 7
LITTLE_REPLICATIONS = 3


def priority_network_scenario() -> dict:
    """Return the Little's law network as a scenario dict.

    Station 2 serves two priority classes, one of them the departures of
    station 1, so its mean wait has no Erlang C formula, but Little's law
    still holds for the group as a whole.
    """

    scenario = PRIORITY_NETWORK.scenario(LITTLE_HORIZON)
    scenario["task_types"].append({
        "id": URGENT_TASK, "group": STATION_GROUPS[1], "duty": 1, "priority": 1,
        "duration": {"dist": "exponential", "mean": URGENT_MEAN_SERVICE},
    })
    scenario["streams"].append({"id": "紧急到达", "task": URGENT_TASK,
                                "rates": [{"from": 0, "per_hour": URGENT_RATE * 60}]})
    return scenario


def run_priority_network(folder: Path) -> list[tuple[Scenario, ReplicationOutput]]:
    """Write and load the Little's law network; return (scenario, raw output) per replication."""

    scenario = load_scenario(write_files(folder, priority_network_scenario(), TANDEM_ORGANISATION))
    return [(scenario, run_replication(scenario, LITTLE_SEED, replication))
            for replication in range(LITTLE_REPLICATIONS)]


def little_measures(scenario: Scenario, output: ReplicationOutput, group: str) -> dict[str, float]:
    """Return both sides of Little's law for ``group`` over ``LITTLE_WINDOW``.

    ``queue`` and ``in_system`` are time averages from :func:`sim.metrics.queue_series`
    (queue, and queue plus busy teams). ``arrival_rate`` (per minute), ``wait``
    and ``sojourn`` (minutes) come from the task log's tasks created in the window.
    """

    series = queue_series(output, bin_minutes=LITTLE_BIN)
    bins = series[(series["resource"] == group)
                  & (series["time"] >= LITTLE_WINDOW.start) & (series["time"] < LITTLE_WINDOW.end)]
    assert len(bins) == (LITTLE_WINDOW.end - LITTLE_WINDOW.start) / LITTLE_BIN, "the window must cover whole bins"

    log = task_log(output, scenario)
    arrivals = log[(log["group"] == group)
                   & (log["created"] >= LITTLE_WINDOW.start) & (log["created"] < LITTLE_WINDOW.end)]
    assert arrivals["end"].notna().all(), "a task created in the window was unfinished at the horizon"

    return {
        "queue": float(bins["queue"].mean()),
        "in_system": float((bins["queue"] + bins["in_use"]).mean()),
        "arrival_rate": len(arrivals) / (LITTLE_WINDOW.end - LITTLE_WINDOW.start),
        "wait": float(arrivals["wait"].mean()),
        "sojourn": float((arrivals["end"] - arrivals["created"]).mean()),
    }
