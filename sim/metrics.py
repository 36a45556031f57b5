"""Turning one replication's raw records into measures and tables.

* The task log has one row per task: its inject, creation, start and end
  times, the waiting time, the resource it waited for longest, the response
  delay (start minus inject time), and whether it met its time target.
  Tasks not finished at the horizon are kept with ``unfinished`` set.
* Per resource (group or department): utilisation (busy time over capacity
  times the time on site), the waiting it caused (queueing for it, plus
  waiting for its arrival on site), tasks served, and the wait of every
  request to it.
* The queue series gives, per resource, the time-average queue length and
  number in use in fixed time bins.

A target is met when the measured time (task start or end, minus the
accident, the inject or the task's creation) is at most the target. A task
that has not reached the measured moment by the horizon has missed the
target when its deadline has passed, and counts as unknown (NaN) otherwise.

The array functions here avoid pandas, because they run once per
replication and an experiment may have thousands of replications. The
DataFrame functions build on them for inspection and for the results folder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import ReplicationOutput
from sim.scenario import Scenario

TASK_LOG_COLUMNS = [
    "replication", "task_id", "task_type", "group", "group_number", "lead_department", "origin",
    "inject_id", "inject_time", "created", "start", "end", "duration", "wait", "longest_wait_resource",
    "response_delay", "target_id", "target_minutes", "target_measured", "target_met", "unfinished",
    "priority", "parent_id",
]

_COLUMN = {name: index for index, name in enumerate(TASK_LOG_COLUMNS)}


def task_rows(output: ReplicationOutput, scenario: Scenario) -> list[tuple]:
    """Return the task log of one replication as tuples in ``TASK_LOG_COLUMNS`` order.

    ``target_met`` is True, False or None (unknown or no target).
    """

    horizon = output.horizon
    organisation = scenario.organisation
    group_number = {group.name: group.number for group in organisation.groups}
    lead = {group.name: group.lead for group in organisation.groups}

    rows = []
    for record in output.tasks:
        task_type = scenario.task_types[record.task_type]
        longest = _longest_wait(record, horizon)
        started = record.start is not None
        start = record.start if started else math.nan
        end = record.end if record.end is not None else math.nan
        target = scenario.targets.get(task_type.target) if task_type.target else None
        measured, met = _target_outcome(target, record, start, end, horizon)

        rows.append((
            output.replication, record.task_id, record.task_type, task_type.group,
            group_number[task_type.group], lead[task_type.group], record.origin,
            record.inject_id, record.inject_time, record.created, start, end, record.duration,
            start - record.created if started else math.nan,
            longest,
            start - record.inject_time if started else math.nan,
            target.id if target else None,
            target.minutes if target else math.nan,
            measured, met, record.end is None, task_type.priority,
            record.parent_id if record.parent_id is not None else -1,
        ))
    return rows


def _longest_wait(record, horizon: float) -> str | None:
    """Return the resource (or arrival) the task waited for longest, counting a wait still open at the horizon."""

    waits = record.waits
    if record.start is None and record.waiting_for is not None:
        waits = dict(waits)
        waits[record.waiting_for] = waits.get(record.waiting_for, 0.0) + horizon - record.waiting_since
    if not waits:
        return None
    longest = max(waits, key=waits.get)
    return longest if waits[longest] > 0 else None


def _target_outcome(target, record, start, end, horizon):
    """Return (measured minutes or NaN, met as True/False/None) for one task."""

    if target is None:
        return math.nan, None
    reference = {"accident": 0.0, "inject": record.inject_time, "created": record.created}[target.from_]
    moment = start if target.to == "start" else end
    if not math.isnan(moment):
        measured = moment - reference
        return measured, measured <= target.minutes + 1e-9
    if reference + target.minutes < horizon:
        return math.nan, False
    return math.nan, None


def task_log(output: ReplicationOutput, scenario: Scenario) -> pd.DataFrame:
    """Return the task log of one replication (columns ``TASK_LOG_COLUMNS``)."""

    return task_frame(task_rows(output, scenario))


_NUMERIC_COLUMNS = ("inject_time", "created", "start", "end", "duration", "wait", "response_delay",
                    "target_minutes", "target_measured")


def task_frame(rows: list[tuple]) -> pd.DataFrame:
    """Return ``task_rows`` as a task-log DataFrame with fixed column types, even when there are no rows."""

    frame = pd.DataFrame.from_records(rows, columns=TASK_LOG_COLUMNS)
    for column in _NUMERIC_COLUMNS:
        frame[column] = frame[column].astype(float)
    for column in ("replication", "task_id", "group_number", "priority", "parent_id"):
        frame[column] = frame[column].astype("int64")
    frame["unfinished"] = frame["unfinished"].astype(bool)
    frame["target_met"] = frame["target_met"].astype("boolean")
    return frame


def replication_measures(rows: list[tuple], scenario: Scenario) -> dict[str, float]:
    """Return the key measures of one replication from its ``task_rows``.

    ``targets_met_share`` is the share of tasks with a known target outcome
    that met their target. Each target adds ``target_met_share:<id>``,
    ``target_measured:<id>`` (the mean measured minutes of tasks that reached
    the measured moment) and ``target_tasks:<id>`` (the number of its tasks).
    """

    wait = np.fromiter((row[_COLUMN["wait"]] for row in rows), float, len(rows))
    delay = np.fromiter((row[_COLUMN["response_delay"]] for row in rows), float, len(rows))
    unfinished = sum(1 for row in rows if row[_COLUMN["unfinished"]])

    measures: dict[str, float] = {
        "tasks_created": float(len(rows)),
        "tasks_unfinished": float(unfinished),
        "mean_wait": _nan_mean(wait),
        "mean_response_delay": _nan_mean(delay),
    }

    met_all: list[bool] = []
    by_target: dict[str, tuple[list, list, list]] = {target_id: ([], [], []) for target_id in scenario.targets}
    for row in rows:
        target_id = row[_COLUMN["target_id"]]
        if target_id is None:
            continue
        outcomes, measured, tasks = by_target[target_id]
        tasks.append(1)
        met = row[_COLUMN["target_met"]]
        if met is not None:
            outcomes.append(met)
            met_all.append(met)
        if not math.isnan(row[_COLUMN["target_measured"]]):
            measured.append(row[_COLUMN["target_measured"]])

    measures["targets_met_share"] = sum(met_all) / len(met_all) if met_all else math.nan
    for target_id, (outcomes, measured, tasks) in by_target.items():
        measures[f"target_met_share:{target_id}"] = sum(outcomes) / len(outcomes) if outcomes else math.nan
        measures[f"target_measured:{target_id}"] = sum(measured) / len(measured) if measured else math.nan
        measures[f"target_tasks:{target_id}"] = float(len(tasks))
    return measures


def _nan_mean(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if len(finite) else math.nan


@dataclass
class RequestArrays:
    """The resource requests of one replication as arrays, with open times closed at the horizon."""

    task_id: np.ndarray
    resource: np.ndarray
    requested: np.ndarray
    granted: np.ndarray
    """Grant time, or the horizon for a request still waiting then."""
    released: np.ndarray
    """Release time, or the horizon for a request still served (or waiting) then."""
    was_granted: np.ndarray


def request_arrays(output: ReplicationOutput) -> RequestArrays:
    """Return the requests of ``output`` as arrays, censored at the horizon."""

    horizon = output.horizon
    rows = output.acquisitions
    count = len(rows)
    task_id = np.fromiter((row[0] for row in rows), np.int64, count)
    resource = np.fromiter((row[1] for row in rows), np.int64, count)
    requested = np.fromiter((row[2] for row in rows), float, count)
    granted_raw = np.fromiter((math.nan if row[3] is None else row[3] for row in rows), float, count)
    released_raw = np.fromiter((math.nan if row[4] is None else row[4] for row in rows), float, count)
    was_granted = ~np.isnan(granted_raw)
    return RequestArrays(
        task_id=task_id,
        resource=resource,
        requested=requested,
        granted=np.where(was_granted, granted_raw, horizon),
        released=np.where(np.isnan(released_raw), horizon, released_raw),
        was_granted=was_granted,
    )


def acquisition_frame(output: ReplicationOutput) -> pd.DataFrame:
    """Return the requests of one replication as a DataFrame, for inspection and tests.

    ``granted``/``released`` are NaN when not reached; ``granted_or_horizon``,
    ``released_or_horizon`` and ``wait`` close open intervals at the horizon.
    """

    requests = request_arrays(output)
    return pd.DataFrame({
        "task_id": requests.task_id,
        "resource_index": requests.resource,
        "requested": requests.requested,
        "granted": np.where(requests.was_granted, requests.granted, np.nan),
        "released": [math.nan if row[4] is None else row[4] for row in output.acquisitions],
        "granted_or_horizon": requests.granted,
        "released_or_horizon": requests.released,
        "wait": requests.granted - requests.requested,
    })


@dataclass
class ResourceArrays:
    """Per-resource measures of one replication, in the model's resource order."""

    utilisation: np.ndarray
    wait_caused: np.ndarray
    queue_wait: np.ndarray
    arrival_wait: np.ndarray
    tasks_served: np.ndarray
    arrival: np.ndarray


def resource_arrays(output: ReplicationOutput, requests: RequestArrays | None = None) -> ResourceArrays:
    """Return utilisation, waiting caused and tasks served per resource.

    ``wait_caused`` adds, for a department, the minutes tasks waited for its
    arrival on site to the minutes they queued for its staff.
    """

    requests = requests or request_arrays(output)
    horizon = output.horizon
    count = len(output.resources)
    index = {info.name: position for position, info in enumerate(output.resources)}

    busy = np.bincount(requests.resource, weights=np.clip(requests.released - requests.granted, 0, None),
                       minlength=count)
    queue_wait = np.bincount(requests.resource, weights=requests.granted - requests.requested, minlength=count)
    served = np.bincount(requests.resource, weights=requests.was_granted.astype(float), minlength=count)

    arrival_wait = np.zeros(count)
    for record in output.tasks:
        if record.arrival_blocker is not None and record.arrival_blocker in index:
            waited = record.arrival_wait if record.arrival_wait is not None else horizon - record.created
            arrival_wait[index[record.arrival_blocker]] += waited

    capacity = np.array([info.capacity for info in output.resources], dtype=float)
    arrival = np.array([info.available_from for info in output.resources], dtype=float)
    on_site = np.where(np.isfinite(arrival), np.clip(horizon - arrival, 0, None), 0.0)
    capacity_time = capacity * on_site
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(capacity_time > 0, busy / capacity_time, np.nan)

    return ResourceArrays(utilisation, queue_wait + arrival_wait, queue_wait, arrival_wait, served, arrival)


def resource_table(output: ReplicationOutput) -> pd.DataFrame:
    """Return one row per resource with this replication's utilisation, waiting caused and tasks served."""

    arrays = resource_arrays(output)
    return pd.DataFrame({
        "replication": output.replication,
        "resource": [info.name for info in output.resources],
        "kind": [info.kind for info in output.resources],
        "capacity": [info.capacity for info in output.resources],
        "arrival": arrays.arrival,
        "utilisation": arrays.utilisation,
        "wait_caused": arrays.wait_caused,
        "queue_wait": arrays.queue_wait,
        "arrival_wait": arrays.arrival_wait,
        "tasks_served": arrays.tasks_served.astype(int),
    })


def bin_edges(horizon: float, bin_minutes: float) -> np.ndarray:
    """Return bin edges from 0 to the horizon; the last bin is shorter when the horizon is not a multiple."""

    edges = np.arange(0.0, horizon, bin_minutes)
    return np.append(edges, horizon)


def queue_arrays(output: ReplicationOutput, edges: np.ndarray,
                 requests: RequestArrays | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (queue, in_use): per resource and bin, the time-average number waiting and served.

    Each is an array of shape (resources, bins). The time spent by a set of
    intervals inside [0, t) is ``Σ clip(t − start, 0, end − start)``; its
    differences between bin edges give the time inside each bin.
    """

    requests = requests or request_arrays(output)
    widths = np.diff(edges)
    count = len(output.resources)
    queue = np.zeros((count, len(widths)))
    in_use = np.zeros((count, len(widths)))
    order = np.argsort(requests.resource, kind="stable")
    boundaries = np.searchsorted(requests.resource[order], np.arange(count + 1))
    for position in range(count):
        rows = order[boundaries[position]:boundaries[position + 1]]
        if len(rows) == 0:
            continue
        queue[position] = np.diff(_time_before(requests.requested[rows], requests.granted[rows], edges)) / widths
        in_use[position] = np.diff(_time_before(requests.granted[rows], requests.released[rows], edges)) / widths
    return queue, in_use


def _time_before(starts: np.ndarray, ends: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Return, for each point t, the total time the intervals [starts, ends) spend before t."""

    starts = np.sort(starts)
    ends = np.sort(ends)
    start_sums = np.concatenate(([0.0], np.cumsum(starts)))
    end_sums = np.concatenate(([0.0], np.cumsum(ends)))
    started = np.searchsorted(starts, points, side="left")
    ended = np.searchsorted(ends, points, side="left")
    return (started * points - start_sums[started]) - (ended * points - end_sums[ended])


def queue_series(output: ReplicationOutput, bin_minutes: float = 15.0) -> pd.DataFrame:
    """Return, per resource and time bin, the time-average queue length and number in use."""

    edges = bin_edges(output.horizon, bin_minutes)
    queue, in_use = queue_arrays(output, edges)
    bins = len(edges) - 1
    return pd.DataFrame({
        "replication": output.replication,
        "resource": np.repeat([info.name for info in output.resources], bins),
        "kind": np.repeat([info.kind for info in output.resources], bins),
        "time": np.tile(edges[:-1], len(output.resources)),
        "queue": queue.ravel(),
        "in_use": in_use.ravel(),
        "capacity": np.repeat([info.capacity for info in output.resources], bins),
    })


def request_waits(output: ReplicationOutput, requests: RequestArrays | None = None) -> list[np.ndarray]:
    """Return, per resource, the waits of the requests made to it (open waits closed at the horizon)."""

    requests = requests or request_arrays(output)
    waits = requests.granted - requests.requested
    order = np.argsort(requests.resource, kind="stable")
    boundaries = np.searchsorted(requests.resource[order], np.arange(len(output.resources) + 1))
    return [waits[order[boundaries[i]:boundaries[i + 1]]] for i in range(len(output.resources))]
