"""Comparing staffing and organisation options on common random numbers.

Every option is run for the same replications ``0 … n-1`` from the same root
seed. Each source of randomness has its own stream keyed by name, so every
option sees the same accidents: the same HQ activation delay, department
mobilisation delays, inject task durations and enquiry arrivals. The
difference between an option and the baseline is therefore measured per
replication, and its mean gets a paired Student-t confidence interval. The
paired interval is usually much narrower than the one from two independent
samples. A difference is marked significant when its 95% interval excludes
zero.

:func:`marginal_staffing` applies the same method to "one more person": it
adds one staff member to each department, and one team to each group, in
turn, and ranks the changes by how much they raise the share of targets met
and cut the mean response delay.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from sim.experiment import MEASURE_LABELS, ExperimentResult, make_pool, measure_bounds, run_chunk
from sim.scenario import Scenario
from sim.stats import mean_ci

log = logging.getLogger(__name__)

COMPARED_MEASURES = ("targets_met_share", "mean_response_delay", "mean_wait", "tasks_unfinished")
"""Measures compared between options, besides the share met of each target."""

LOWER_IS_BETTER = {"mean_response_delay", "mean_wait", "tasks_unfinished"}


@dataclass(frozen=True)
class Variant:
    """One option to compare: a label and the scenario with that option applied."""

    label: str
    scenario: Scenario


def run_variants(
    variants: list[Variant],
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ExperimentResult]:
    """Run every variant for replications ``0 … replications-1`` with ``seed``; return results by label.

    One process pool serves all variants. ``progress(done, total)`` counts
    replications over all variants.
    """

    labels = [variant.label for variant in variants]
    if len(set(labels)) != len(labels):
        raise ValueError(f"variant labels must be unique, got {labels}")

    results = {variant.label: ExperimentResult(scenario=variant.scenario, seed=seed) for variant in variants}
    total = len(variants) * replications
    done = 0

    if workers <= 1:
        for variant in variants:
            for summary in run_chunk(variant.scenario, seed, list(range(replications)), False):
                results[variant.label].add(summary)
                done += 1
                if progress:
                    progress(done, total)
        return results

    size = max(1, min(10, replications // 2))
    jobs = [(variant, list(range(start, min(start + size, replications))))
            for variant in variants for start in range(0, replications, size)]
    with make_pool(workers) as pool:
        futures = [(variant.label, pool.submit(run_chunk, variant.scenario, seed, numbers, False))
                   for variant, numbers in jobs]
        for label, future in futures:
            for summary in future.result():
                results[label].add(summary)
                done += 1
                if progress:
                    progress(done, total)
    return results


def paired_difference(option: pd.Series, baseline: pd.Series, share: bool = False):
    """Return the CI of the mean of per-replication differences ``option − baseline``.

    Both series are indexed by replication number; replications missing a
    value in either are left out. For a share (``share``) the interval is
    clipped to [−1, 1], the range a difference of two shares can take.
    """

    difference = (option - baseline).dropna()
    return mean_ci(difference.to_numpy(), bounds=(-1.0, 1.0) if share else None)


@dataclass
class ComparisonResult:
    """Results of several options on common random numbers; the first option is the baseline."""

    results: dict[str, ExperimentResult]

    @property
    def baseline(self) -> str:
        """Label of the baseline option."""

        return next(iter(self.results))

    def measure_names(self) -> list[tuple[str, str]]:
        """Return (measure, Chinese-and-English label) pairs compared, the key measures then each target."""

        names = [(name, MEASURE_LABELS[name]) for name in COMPARED_MEASURES]
        for target in self.results[self.baseline].scenario.targets.values():
            label = f"{target.name}（达标率） {target.name_en or target.id} (share met)"
            names.append((f"target_met_share:{target.id}", label))
        return names

    def table(self) -> pd.DataFrame:
        """Return one row per measure and option: mean with CI, and the paired difference from the baseline.

        ``improved`` is True when the difference is significant and in the
        better direction (higher shares, shorter delays, fewer unfinished).
        """

        measures = {label: result.measures.set_index("replication") for label, result in self.results.items()}
        base = measures[self.baseline]
        rows = []
        for name, label in self.measure_names():
            for option, frame in measures.items():
                ci = mean_ci(frame[name], bounds=measure_bounds(name))
                if option == self.baseline:
                    difference = None
                else:
                    difference = paired_difference(frame[name], base[name], share="share" in name)
                significant = bool(difference and difference.n >= 2 and not math.isnan(difference.low)
                                   and (difference.low > 0 or difference.high < 0))
                better = None
                if difference and significant:
                    better = difference.mean < 0 if name in LOWER_IS_BETTER else difference.mean > 0
                rows.append({
                    "measure": name, "label": label, "option": option, "baseline": self.baseline,
                    "mean": ci.mean, "low": ci.low, "high": ci.high,
                    "diff_mean": difference.mean if difference else math.nan,
                    "diff_low": difference.low if difference else math.nan,
                    "diff_high": difference.high if difference else math.nan,
                    "significant": significant,
                    "improved": better,
                    "replications": ci.n,
                })
        return pd.DataFrame(rows)


def compare_staffing(
    scenario: Scenario,
    staffing_names: list[str],
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ComparisonResult:
    """Compare staffing options of one scenario; the first name is the baseline.

    Raises :class:`sim.errors.ScenarioError` for an unknown option.
    """

    if len(staffing_names) < 2:
        raise ValueError("compare at least two staffing options")
    variants = [Variant(name, scenario.with_staffing(name)) for name in staffing_names]
    return ComparisonResult(run_variants(variants, replications, seed, workers=workers, progress=progress))


def compare_scenarios(
    scenarios: list[tuple[str, Scenario]],
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ComparisonResult:
    """Compare scenarios that differ, for example, in their organisation file; the first is the baseline."""

    if len(scenarios) < 2:
        raise ValueError("compare at least two scenarios")
    variants = [Variant(label, scenario) for label, scenario in scenarios]
    return ComparisonResult(run_variants(variants, replications, seed, workers=workers, progress=progress))


@dataclass(frozen=True)
class Change:
    """One "one more person" change: a department gets one more staff member or a group one more team."""

    kind: str
    resource: str

    @property
    def label(self) -> str:
        """Chinese label, such as '市安全监管局 +1人'."""

        return f"{self.resource} +1{'人' if self.kind == 'department' else '个小组'}"

    @property
    def label_en(self) -> str:
        """English label, such as '市安全监管局 +1 staff'."""

        return f"{self.resource} +1 {'staff' if self.kind == 'department' else 'team'}"

    def apply(self, scenario: Scenario) -> Scenario:
        """Return ``scenario`` with this change applied."""

        if self.kind == "department":
            departments = dict(scenario.departments)
            current = departments[self.resource]
            departments[self.resource] = replace(current, staff=current.staff + 1)
            return replace(scenario, departments=departments)
        teams = dict(scenario.teams)
        teams[self.resource] += 1
        return replace(scenario, teams=teams)


def candidate_changes(scenario: Scenario) -> list[Change]:
    """Return one change per group and per department that some task type needs.

    A department no task type needs would gain nothing from more staff, so it
    is left out. A department with no staff at all is included, since one
    person there can unblock its tasks.
    """

    needed: set[str] = set()
    for task_type in scenario.task_types.values():
        needed.update(scenario.needed_departments(task_type))
    changes = [Change("group", name) for name in scenario.organisation.group_names]
    changes += [Change("department", name) for name in scenario.organisation.department_names if name in needed]
    return changes


def marginal_staffing(
    scenario: Scenario,
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    changes: list[Change] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Rank "one more person" changes by the improvement they bring, on common random numbers.

    Returns one row per change, best first (see :func:`rank_changes`): the
    paired difference from the unchanged scenario in the share of targets
    met (higher is better) and in the mean response delay (lower is
    better), each with its 95% CI.
    """

    changes = candidate_changes(scenario) if changes is None else changes
    variants = [Variant("基准 baseline", scenario)] + [Variant(change.label, change.apply(scenario)) for change in changes]
    results = run_variants(variants, replications, seed, workers=workers, progress=progress)
    base = results["基准 baseline"].measures.set_index("replication")

    rows = []
    for change in changes:
        measures = results[change.label].measures.set_index("replication")
        share = paired_difference(measures["targets_met_share"], base["targets_met_share"], share=True)
        delay = paired_difference(measures["mean_response_delay"], base["mean_response_delay"])
        rows.append({
            "change": change.label, "change_en": change.label_en, "kind": change.kind, "resource": change.resource,
            "targets_met_delta_mean": share.mean, "targets_met_delta_low": share.low,
            "targets_met_delta_high": share.high,
            "delay_delta_mean": delay.mean, "delay_delta_low": delay.low, "delay_delta_high": delay.high,
            "significant": bool(share.n >= 2 and (share.low > 0 or delay.high < 0)),
            "replications": share.n,
        })

    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return rank_changes(table)


def rank_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Order changes best first and add the ranks.

    Changes that significantly raise the share of targets met come first, by
    that rise. Changes that significantly cut the mean response delay come
    next, by that cut, and the rest follow by their mean delay change. A
    difference whose interval includes zero is not used to rank above
    another, because it may be noise. ``rank_targets`` and ``rank_delay``
    rank by each measure's mean alone.
    """

    share_up = table["targets_met_delta_low"] > 0
    delay_down = table["delay_delta_high"] < 0
    ordered = table.assign(
        _tier=np.where(share_up, 0, np.where(delay_down, 1, 2)),
        _share=np.where(share_up, -table["targets_met_delta_mean"], 0.0),
    ).sort_values(["_tier", "_share", "delay_delta_mean"], kind="stable").drop(columns=["_tier", "_share"])
    ordered = ordered.reset_index(drop=True)
    ordered.insert(0, "rank", np.arange(1, len(ordered) + 1))
    ordered["rank_targets"] = ordered["targets_met_delta_mean"].rank(ascending=False, method="min").astype(int)
    ordered["rank_delay"] = ordered["delay_delta_mean"].rank(ascending=True, method="min").astype(int)
    return ordered
