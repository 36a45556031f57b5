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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from sim.metrics import queue_series, replication_measures, resource_table, task_log
from sim.model import run_replication
from sim.scenario import Scenario
from sim.stats import mean_ci

log = logging.getLogger(__name__)

MAX_REPLICATIONS = 100_000
QUEUE_BIN_MINUTES = 15.0


@dataclass
class ReplicationSummary:
    """The contribution of one replication to an experiment."""

    replication: int
    measures: dict[str, float]
    resources: pd.DataFrame
    queues: pd.DataFrame
    request_waits: dict[str, np.ndarray]
    tasks: pd.DataFrame | None


def summarise_replication(scenario: Scenario, seed: int, replication: int, keep_tasks: bool) -> ReplicationSummary:
    """Run one replication and reduce it to its summary (the unit of work of a worker process)."""

    output = run_replication(scenario, seed, replication)
    tasks = task_log(output, scenario)
    resources = resource_table(output)
    queues = queue_series(output, QUEUE_BIN_MINUTES)

    waits: dict[str, list[float]] = {}
    for task_id, index, requested, granted, _released in output.acquisitions:
        end = granted if granted is not None else output.horizon
        waits.setdefault(output.resources[index].name, []).append(end - requested)

    return ReplicationSummary(
        replication=replication,
        measures=replication_measures(tasks, scenario),
        resources=resources,
        queues=queues,
        request_waits={name: np.asarray(values) for name, values in waits.items()},
        tasks=tasks if keep_tasks else None,
    )


@dataclass
class ExperimentResult:
    """All replications of one scenario and staffing option, with aggregation helpers."""

    scenario: Scenario
    seed: int
    summaries: list[ReplicationSummary] = field(default_factory=list)

    @property
    def replications(self) -> int:
        """Number of replications run."""

        return len(self.summaries)

    @property
    def measures(self) -> pd.DataFrame:
        """Key measures, one row per replication."""

        return pd.DataFrame([{"replication": s.replication, **s.measures} for s in self.summaries])

    @property
    def task_log(self) -> pd.DataFrame:
        """The task logs of all replications that kept one, concatenated."""

        frames = [s.tasks for s in self.summaries if s.tasks is not None]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

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

        resources = pd.concat([s.resources for s in self.summaries], ignore_index=True)
        rows = []
        for (name, kind), frame in resources.groupby(["resource", "kind"], sort=False):
            utilisation = mean_ci(frame["utilisation"], bounds=SHARE_BOUNDS)
            caused = mean_ci(frame["wait_caused"], bounds=NON_NEGATIVE)
            waits = np.concatenate([s.request_waits.get(name, np.empty(0)) for s in self.summaries])
            p50, p90, p95 = (np.percentile(waits, [50, 90, 95]) if len(waits) else (math.nan,) * 3)
            rows.append({
                "resource": name, "kind": kind, "capacity": int(frame["capacity"].iloc[0]),
                "arrival_mean": float(frame["arrival"].replace(np.inf, np.nan).mean()),
                "utilisation_mean": utilisation.mean, "utilisation_low": utilisation.low,
                "utilisation_high": utilisation.high,
                "wait_caused_mean": caused.mean, "wait_caused_low": caused.low, "wait_caused_high": caused.high,
                "wait_p50": float(p50), "wait_p90": float(p90), "wait_p95": float(p95),
                "tasks_served_mean": float(frame["tasks_served"].mean()),
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

        queues = pd.concat([s.queues for s in self.summaries], ignore_index=True)
        grouped = queues.groupby(["resource", "kind", "time"], sort=False)
        result = grouped.agg(queue_mean=("queue", "mean"), in_use_mean=("in_use", "mean"),
                             capacity=("capacity", "first")).reset_index()
        return result


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


def run_experiment(
    scenario: Scenario,
    replications: int,
    seed: int,
    *,
    keep_task_log: bool = True,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ExperimentResult:
    """Run ``replications`` replications of ``scenario`` and return their aggregate.

    ``keep_task_log`` keeps every replication's task log; when False only
    replication 0 keeps one (for the Gantt chart), so memory stays flat as
    replications grow. ``progress(done, total)`` is called after each
    replication. With
    ``workers`` above 1 the replications run in a process pool. The results
    are identical to a single-process run, because each replication's
    streams depend only on (seed, replication number).
    """

    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be from 1 to {MAX_REPLICATIONS}, got {replications}")

    result = ExperimentResult(scenario=scenario, seed=seed)
    log.info("running %d replications of %s (staffing %s, seed %d, %d workers)",
             replications, scenario.name, scenario.staffing_name, seed, workers)

    if workers <= 1 or replications == 1:
        for replication in range(replications):
            keep = keep_task_log or replication == 0
            result.summaries.append(summarise_replication(scenario, seed, replication, keep))
            if progress:
                progress(replication + 1, replications)
        return result

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(summarise_replication, scenario, seed, replication, keep_task_log or replication == 0)
                   for replication in range(replications)]
        for done, future in enumerate(futures, start=1):
            result.summaries.append(future.result())
            if progress:
                progress(done, replications)
    return result
