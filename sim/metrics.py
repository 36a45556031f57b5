"""Turning one replication's raw records into tables.

* The task log has one row per task: its inject, creation, start and end
  times, the waiting time, the resource it waited for longest, the response
  delay (start minus inject time), and whether it met its time target.
  Tasks not finished at the horizon are kept with ``unfinished`` set.
* The resource table has one row per group or department: utilisation (busy
  time over capacity times the time on site), the waiting it caused, tasks
  served, and the waits of every request to it.
* The queue series gives, per resource, the time-average queue length and
  number in use in fixed time bins.

A target is met when the measured time (task start or end, minus the
accident, the inject or the task's creation) is at most the target. A task
that has not reached the measured moment by the horizon has missed the
target when its deadline has passed, and counts as unknown (NA) otherwise.
"""

from __future__ import annotations

import math

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


def task_log(output: ReplicationOutput, scenario: Scenario) -> pd.DataFrame:
    """Return the task log of one replication (columns ``TASK_LOG_COLUMNS``)."""

    horizon = output.horizon
    organisation = scenario.organisation
    group_number = {group.name: group.number for group in organisation.groups}
    lead = {group.name: group.lead for group in organisation.groups}

    rows = []
    for record in output.tasks:
        task_type = scenario.task_types[record.task_type]
        waits = dict(record.waits)
        if record.start is None and record.waiting_for is not None:
            # Censored wait: the task was still waiting at the horizon.
            waits[record.waiting_for] = waits.get(record.waiting_for, 0.0) + horizon - record.waiting_since
        longest = max(waits, key=waits.get) if waits else None
        if longest is not None and waits[longest] <= 0:
            longest = None

        start = record.start if record.start is not None else math.nan
        end = record.end if record.end is not None else math.nan
        target = scenario.targets.get(task_type.target) if task_type.target else None
        measured, met = _target_outcome(target, record, start, end, horizon)

        rows.append((
            output.replication, record.task_id, record.task_type, task_type.group,
            group_number[task_type.group], lead[task_type.group], record.origin,
            record.inject_id, record.inject_time, record.created, start, end, record.duration,
            start - record.created if record.start is not None else math.nan,
            longest,
            start - record.inject_time if record.start is not None else math.nan,
            target.id if target else None,
            target.minutes if target else math.nan,
            measured, met, record.end is None, task_type.priority,
            record.parent_id if record.parent_id is not None else -1,
        ))

    frame = pd.DataFrame.from_records(rows, columns=TASK_LOG_COLUMNS)
    frame["target_met"] = frame["target_met"].astype("boolean")
    return frame


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


def acquisition_frame(output: ReplicationOutput) -> pd.DataFrame:
    """Return the resource requests of one replication with censored times filled in at the horizon."""

    frame = pd.DataFrame(output.acquisitions, columns=["task_id", "resource_index", "requested", "granted", "released"],
                         dtype=float)
    frame["granted_or_horizon"] = frame["granted"].fillna(output.horizon)
    frame["released_or_horizon"] = frame["released"].fillna(output.horizon)
    frame["wait"] = frame["granted_or_horizon"] - frame["requested"]
    return frame


def resource_table(output: ReplicationOutput) -> pd.DataFrame:
    """Return one row per resource with utilisation, waiting caused and tasks served in this replication.

    ``wait_caused`` counts, for a department, the minutes tasks waited for its
    arrival on site as well as the minutes they queued for its staff.
    """

    horizon = output.horizon
    acquisitions = acquisition_frame(output)
    busy = (acquisitions["released_or_horizon"] - acquisitions["granted_or_horizon"]).clip(lower=0)
    busy_by_resource = busy.groupby(acquisitions["resource_index"]).sum()
    queue_wait = acquisitions["wait"].groupby(acquisitions["resource_index"]).sum()
    served = acquisitions["granted"].notna().groupby(acquisitions["resource_index"]).sum()

    arrival_wait: dict[str, float] = {}
    for record in output.tasks:
        if record.arrival_blocker is not None:
            waited = record.arrival_wait if record.arrival_wait is not None else horizon - record.created
            arrival_wait[record.arrival_blocker] = arrival_wait.get(record.arrival_blocker, 0.0) + waited

    rows = []
    for index, info in enumerate(output.resources):
        on_site = max(0.0, horizon - info.available_from) if math.isfinite(info.available_from) else 0.0
        capacity_time = info.capacity * on_site
        utilisation = float(busy_by_resource.get(index, 0.0)) / capacity_time if capacity_time > 0 else math.nan
        rows.append({
            "replication": output.replication,
            "resource": info.name,
            "kind": info.kind,
            "capacity": info.capacity,
            "arrival": info.available_from,
            "utilisation": utilisation,
            "wait_caused": float(queue_wait.get(index, 0.0)) + arrival_wait.get(info.name, 0.0),
            "queue_wait": float(queue_wait.get(index, 0.0)),
            "arrival_wait": arrival_wait.get(info.name, 0.0),
            "tasks_served": int(served.get(index, 0)),
        })
    return pd.DataFrame(rows)


def queue_series(output: ReplicationOutput, bin_minutes: float = 15.0) -> pd.DataFrame:
    """Return, per resource and time bin, the time-average queue length and number in use."""

    horizon = output.horizon
    edges = np.arange(0.0, horizon + bin_minutes, bin_minutes)
    edges[-1] = min(edges[-1], horizon) if edges[-1] > horizon else edges[-1]
    edges = np.unique(np.clip(edges, 0.0, horizon))
    widths = np.diff(edges)
    acquisitions = acquisition_frame(output)

    frames = []
    for index, info in enumerate(output.resources):
        rows = acquisitions[acquisitions["resource_index"] == index]
        queue = _time_in_bins(rows["requested"].to_numpy(), rows["granted_or_horizon"].to_numpy(), edges) / widths
        in_use = _time_in_bins(rows["granted_or_horizon"].to_numpy(), rows["released_or_horizon"].to_numpy(), edges) / widths
        frames.append(pd.DataFrame({
            "replication": output.replication, "resource": info.name, "kind": info.kind,
            "time": edges[:-1], "queue": queue, "in_use": in_use, "capacity": info.capacity,
        }))
    return pd.concat(frames, ignore_index=True)


def _time_in_bins(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Return, per bin, the total overlap of the intervals [starts, ends) with it."""

    if len(starts) == 0:
        return np.zeros(len(edges) - 1)
    low = np.maximum(starts[:, None], edges[None, :-1])
    high = np.minimum(ends[:, None], edges[None, 1:])
    return np.clip(high - low, 0.0, None).sum(axis=0)


def replication_measures(tasks: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """Return the key measures of one replication as a flat mapping.

    ``targets_met_share`` is the share of tasks with a known target outcome
    that met their target. Each target adds ``target_met_share:<id>`` and
    ``target_measured:<id>``, the mean measured minutes of finished tasks.
    """

    measures: dict[str, float] = {
        "tasks_created": float(len(tasks)),
        "tasks_unfinished": float(tasks["unfinished"].sum()),
        "mean_wait": _mean(tasks["wait"]),
        "mean_response_delay": _mean(tasks["response_delay"]),
    }
    known = tasks["target_met"].dropna()
    measures["targets_met_share"] = float(known.mean()) if len(known) else math.nan
    for target_id in scenario.targets:
        rows = tasks[tasks["target_id"] == target_id]
        outcomes = rows["target_met"].dropna()
        measures[f"target_met_share:{target_id}"] = float(outcomes.mean()) if len(outcomes) else math.nan
        measures[f"target_measured:{target_id}"] = _mean(rows["target_measured"])
        measures[f"target_tasks:{target_id}"] = float(len(rows))
    return measures


def _mean(series: pd.Series) -> float:
    values = series.dropna()
    return float(values.mean()) if len(values) else math.nan
