"""Running independent replications and aggregating them.

:func:`run_experiment` runs replications ``0 … n-1`` of one scenario with
one staffing option, each from streams derived from (root seed, replication
number), so a replication's result never depends on how many others ran or
in which process. Per replication it keeps the key measures, the resource
table, the queue series and, if asked, the task log; the
:class:`ExperimentResult` then reports means with 95% Student-t confidence
intervals.
"""

from __future__ import annotations

import logging
import math
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from sim.metrics import (
    TASK_LOG_COLUMNS,
    ResourceArrays,
    bin_edges,
    queue_arrays,
    replication_measures,
    request_arrays,
    request_waits,
    resource_arrays,
    task_frame,
    task_rows,
)
from sim.model import run_replication
from sim.scenario import Scenario
from sim.stats import mean_ci

log = logging.getLogger(__name__)

MAX_REPLICATIONS = 100_000
QUEUE_BIN_MINUTES = 15.0
TASK_LOG_AUTO_LIMIT = 200
"""Runs of more replications keep only replication 0's task log unless asked otherwise (CLI and dashboard)."""


@dataclass
class ReplicationSummary:
    """The contribution of one replication to an experiment."""

    replication: int
    measures: dict[str, float]
    resources: ResourceArrays
    queue: np.ndarray | None
    """Time-average queue length per resource and time bin, shape (resources, bins); after
    :func:`run_chunk`, the sum over the chunk on its first summary and None on the others."""
    in_use: np.ndarray | None
    """Time-average number in use per resource and time bin, summed over a chunk like ``queue``."""
    request_waits: list[np.ndarray]
    tasks: pd.DataFrame | None


def summarise_replication(scenario: Scenario, seed: int, replication: int, keep_tasks: bool) -> ReplicationSummary:
    """Run one replication and reduce it to its summary (the unit of work of a worker process)."""

    output = run_replication(scenario, seed, replication)
    rows = task_rows(output, scenario)
    requests = request_arrays(output)
    queue, in_use = queue_arrays(output, bin_edges(scenario.horizon, QUEUE_BIN_MINUTES), requests)

    tasks = None
    if keep_tasks:
        tasks = task_frame(rows)

    return ReplicationSummary(
        replication=replication,
        measures=replication_measures(rows, scenario),
        resources=resource_arrays(output, requests),
        queue=queue,
        in_use=in_use,
        request_waits=request_waits(output, requests),
        tasks=tasks,
    )


@dataclass
class ExperimentResult:
    """All replications of one scenario and staffing option, with aggregation helpers.

    Queue series are summed as replications arrive and not kept per
    replication, so memory grows only with the per-replication measures,
    request waits and the task logs that were kept.
    """

    scenario: Scenario
    seed: int
    summaries: list[ReplicationSummary] = field(default_factory=list)
    queue_sum: np.ndarray | None = None
    in_use_sum: np.ndarray | None = None

    def add(self, summary: ReplicationSummary) -> None:
        """Add one replication's summary, folding its queue series into the running sums.

        A summary from :func:`run_chunk` may carry the queue series of its
        whole chunk, and the others of that chunk none.
        """

        if summary.queue is not None:
            if self.queue_sum is None:
                self.queue_sum = np.zeros_like(summary.queue)
                self.in_use_sum = np.zeros_like(summary.in_use)
            self.queue_sum += summary.queue
            self.in_use_sum += summary.in_use
            summary.queue = summary.in_use = None
        self.summaries.append(summary)

    @property
    def replications(self) -> int:
        """Number of replications run."""

        return len(self.summaries)

    @property
    def resource_names(self) -> list[str]:
        """Resource names in the model's order: groups by number, then departments."""

        organisation = self.scenario.organisation
        return organisation.group_names + organisation.department_names

    @property
    def resource_kinds(self) -> list[str]:
        """'group' or 'department' for each of ``resource_names``."""

        organisation = self.scenario.organisation
        return ["group"] * len(organisation.groups) + ["department"] * len(organisation.departments)

    @property
    def resource_capacities(self) -> list[int]:
        """Teams per group and staff per department, in the order of ``resource_names``."""

        scenario = self.scenario
        return [scenario.teams[name] for name in scenario.organisation.group_names] + \
            [scenario.departments[name].staff for name in scenario.organisation.department_names]

    @property
    def measures(self) -> pd.DataFrame:
        """Key measures, one row per replication."""

        return pd.DataFrame([{"replication": s.replication, **s.measures} for s in self.summaries])

    @property
    def task_log(self) -> pd.DataFrame:
        """The task logs of all replications that kept one, concatenated."""

        frames = [s.tasks for s in self.summaries if s.tasks is not None]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TASK_LOG_COLUMNS)

    def measure_ci(self, name: str):
        """Return the confidence interval of the key measure ``name`` over replications."""

        return mean_ci(self.measures[name], bounds=measure_bounds(name))

    def headline(self) -> pd.DataFrame:
        """Return the key measures with mean, 95% CI and relative half-width, one row per measure."""

        rows = []
        for name in ("targets_met_share", "mean_response_delay", "mean_wait", "tasks_created", "tasks_unfinished"):
            ci = self.measure_ci(name)
            rows.append({"measure": name, "label": MEASURE_LABELS[name], "mean": ci.mean, "low": ci.low,
                         "high": ci.high, "relative_half_width": ci.relative_half_width, "n": ci.n})
        return pd.DataFrame(rows)

    def target_summary(self) -> pd.DataFrame:
        """Return one row per time target: share met and mean measured time with 95% CIs."""

        measures = self.measures
        rows = []
        for target in self.scenario.targets.values():
            met = mean_ci(measures[f"target_met_share:{target.id}"], bounds=SHARE_BOUNDS)
            measured = mean_ci(measures[f"target_measured:{target.id}"], bounds=NON_NEGATIVE)
            rows.append({
                "target_id": target.id, "name": target.name, "name_en": target.name_en,
                "minutes": target.minutes, "from": target.from_, "to": target.to,
                "met_share_mean": met.mean, "met_share_low": met.low, "met_share_high": met.high,
                "measured_mean": measured.mean, "measured_low": measured.low, "measured_high": measured.high,
                "n_tasks_mean": float(measures[f"target_tasks:{target.id}"].mean()),
                "replications_with_tasks": met.n, "source": target.source,
            })
        return pd.DataFrame(rows)

    def resource_summary(self) -> pd.DataFrame:
        """Return one row per resource: utilisation and waiting caused with 95% CIs, request-wait percentiles."""

        utilisation = np.stack([s.resources.utilisation for s in self.summaries])
        caused = np.stack([s.resources.wait_caused for s in self.summaries])
        served = np.stack([s.resources.tasks_served for s in self.summaries])
        arrival = np.stack([s.resources.arrival for s in self.summaries])

        rows = []
        for position, (name, kind, capacity) in enumerate(
                zip(self.resource_names, self.resource_kinds, self.resource_capacities)):
            utilisation_ci = mean_ci(utilisation[:, position], bounds=SHARE_BOUNDS)
            caused_ci = mean_ci(caused[:, position], bounds=NON_NEGATIVE)
            waits = np.concatenate([s.request_waits[position] for s in self.summaries])
            p50, p90, p95 = np.percentile(waits, [50, 90, 95]) if len(waits) else (math.nan,) * 3
            finite_arrival = arrival[:, position][np.isfinite(arrival[:, position])]
            rows.append({
                "resource": name, "kind": kind, "capacity": capacity,
                "arrival_mean": float(finite_arrival.mean()) if len(finite_arrival) else math.nan,
                "utilisation_mean": utilisation_ci.mean, "utilisation_low": utilisation_ci.low,
                "utilisation_high": utilisation_ci.high,
                "wait_caused_mean": caused_ci.mean, "wait_caused_low": caused_ci.low,
                "wait_caused_high": caused_ci.high,
                "wait_p50": float(p50), "wait_p90": float(p90), "wait_p95": float(p95),
                "tasks_served_mean": float(served[:, position].mean()),
            })
        return pd.DataFrame(rows)

    def bottlenecks(self, kind: str = "department", top: int | None = None) -> pd.DataFrame:
        """Return resources of ``kind`` ranked by the mean waiting they caused per replication."""

        summary = self.resource_summary()
        ranked = summary[summary["kind"] == kind].sort_values("wait_caused_mean", ascending=False)
        ranked = ranked[ranked["wait_caused_mean"] > 0]
        ranked.insert(0, "rank", range(1, len(ranked) + 1))
        return ranked.head(top) if top else ranked

    def queue_summary(self) -> pd.DataFrame:
        """Return the queue length and number in use per resource and time bin, averaged over replications."""

        edges = bin_edges(self.scenario.horizon, QUEUE_BIN_MINUTES)
        bins = len(edges) - 1
        count = len(self.resource_names)
        return pd.DataFrame({
            "resource": np.repeat(self.resource_names, bins),
            "kind": np.repeat(self.resource_kinds, bins),
            "time": np.tile(edges[:-1], count),
            "queue_mean": (self.queue_sum / self.replications).ravel(),
            "in_use_mean": (self.in_use_sum / self.replications).ravel(),
            "capacity": np.repeat(self.resource_capacities, bins),
        })


SHARE_BOUNDS = (0.0, 1.0)
NON_NEGATIVE = (0.0, math.inf)


def measure_bounds(name: str) -> tuple[float, float]:
    """Return the range a key measure can take: shares lie in [0, 1], everything else is non-negative."""

    return SHARE_BOUNDS if "share" in name else NON_NEGATIVE


MEASURE_LABELS = {
    "targets_met_share": "达标任务占比 Share of tasks meeting their target",
    "mean_response_delay": "平均响应延迟（分钟） Mean response delay (min)",
    "mean_wait": "平均等待时间（分钟） Mean waiting time (min)",
    "tasks_created": "生成任务数 Tasks created",
    "tasks_unfinished": "未完成任务数 Unfinished tasks",
}


def default_workers() -> int:
    """Return the number of worker processes to use by default: the CPUs this process may use."""

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _ignore_interrupt() -> None:
    """Let only the parent process handle Ctrl-C; workers are shut down by it."""

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_pool(workers: int) -> ProcessPoolExecutor:
    """Return a process pool of ``workers`` processes that ignore Ctrl-C."""

    return ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupt)


def run_chunk(scenario: Scenario, seed: int, replications: list[int], keep_all: bool) -> list[ReplicationSummary]:
    """Run several replications in a worker process (chunks keep inter-process traffic small)."""

    summaries = [summarise_replication(scenario, seed, replication, keep_all or replication == 0)
                 for replication in replications]

    # Sum the queue series here, so that one array per chunk crosses to the parent, not one per replication.
    if len(summaries) > 1:
        queue = summaries[0].queue.copy()
        in_use = summaries[0].in_use.copy()
        for summary in summaries[1:]:
            queue += summary.queue
            in_use += summary.in_use
            summary.queue = summary.in_use = None
        summaries[0].queue, summaries[0].in_use = queue, in_use
    return summaries


def chunk_size_for(replications: int) -> int:
    """Return the replications per chunk: at most 10, and at least 8 chunks when there are enough.

    It depends on the replication count only, never on the number of
    workers, so the queue sums are added in the same order, and give the
    same numbers, on any number of processes.
    """

    return max(1, min(10, math.ceil(replications / 8)))


def iterate_replications(
    scenario: Scenario,
    seed: int,
    replications: Iterable[int],
    *,
    keep_task_log: bool = False,
    workers: int = 1,
    chunk_size: int | None = None,
) -> Iterator[ReplicationSummary]:
    """Yield the summaries of ``replications`` in their order, computed on ``workers`` processes.

    Replication 0 always keeps its task log (for the Gantt chart); the others
    keep one only with ``keep_task_log``. At most ``2 × workers`` chunks are in
    flight at once, so a long run keeps few unfinished results in memory.
    Stopping the iteration early cancels the chunks not yet started.
    """

    numbers = list(replications)
    size = chunk_size or chunk_size_for(len(numbers))
    chunks = [numbers[start:start + size] for start in range(0, len(numbers), size)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield from run_chunk(scenario, seed, chunk, keep_task_log)
        return

    with make_pool(workers) as pool:
        pending: deque = deque()
        next_chunk = 0
        try:
            while pending or next_chunk < len(chunks):
                while next_chunk < len(chunks) and len(pending) < 2 * workers:
                    pending.append(pool.submit(run_chunk, scenario, seed, chunks[next_chunk], keep_task_log))
                    next_chunk += 1
                yield from pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def run_experiment(
    scenario: Scenario,
    replications: int,
    seed: int,
    *,
    keep_task_log: bool = True,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ExperimentResult:
    """Run replications ``0 … replications-1`` of ``scenario`` and return their aggregate.

    ``keep_task_log`` keeps every replication's task log; when False only
    replication 0 keeps one (for the Gantt chart), so memory stays flat as
    replications grow. ``progress(done, total)`` is called after each
    replication. The results do not depend on ``workers``, because each
    replication's streams depend only on (seed, replication number).
    """

    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be from 1 to {MAX_REPLICATIONS}, got {replications}")

    log.info("running %d replications of %s (staffing %s, seed %d, %d workers)",
             replications, scenario.name, scenario.staffing_name, seed, workers)
    result = ExperimentResult(scenario=scenario, seed=seed)
    summaries = iterate_replications(scenario, seed, range(replications), keep_task_log=keep_task_log,
                                     workers=workers)
    for done, summary in enumerate(summaries, start=1):
        result.add(summary)
        if progress:
            progress(done, replications)
    return result
