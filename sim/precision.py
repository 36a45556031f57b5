"""Choosing the number of replications from the precision of the results.

This follows the replication algorithm of Hoad, Robinson and Davies (2010,
"Automated selection of the number of replications for a discrete-event
simulation", Journal of the Operational Research Society 61(11)). After
each replication ``n`` (from a minimum of 3), compute the relative half-width
of the 95% confidence interval of every key measure. When all are within
the target precision, ``n`` becomes a candidate. The candidate is accepted
only if the precision still holds for a look-ahead of ``k_limit`` more
replications (``k_limit · n / 100`` once ``n`` exceeds 100). Otherwise the
search goes on. It stops at the maximum count if no candidate is accepted.

The decision is made replication by replication in replication order, so
the chosen count does not depend on the number of worker processes.
Replications run beyond the chosen count by the look-ahead are dropped from
the result, so it contains exactly the chosen replications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from sim.experiment import ExperimentResult, iterate_replications
from sim.scenario import Scenario
from sim.stats import mean_ci

KEY_MEASURES = ("targets_met_share", "mean_response_delay", "mean_wait")
"""The measures whose precision decides the number of replications."""


def look_ahead(candidate: int, k_limit: int) -> int:
    """Return how many further replications must keep the precision before ``candidate`` is accepted.

    >>> look_ahead(20, 5), look_ahead(400, 5)
    (5, 20)
    """

    return k_limit if candidate <= 100 else math.ceil(k_limit * candidate / 100)


@dataclass
class PrecisionReport:
    """The outcome of the replication-count rule."""

    target: float
    replications: int
    reached: bool
    """True when every key measure met the target precision and held it through the look-ahead."""
    max_replications: int
    relative_half_widths: dict[str, float] = field(default_factory=dict)
    """The relative half-width of each key measure at the chosen count."""


def relative_half_widths(values: dict[str, list[float]]) -> dict[str, float]:
    """Return the relative half-width of each measure's 95% CI; 0 for a constant measure, NaN when unknown."""

    result = {}
    for name, series in values.items():
        ci = mean_ci(series)
        if ci.n >= 2 and ci.half_width == 0:
            result[name] = 0.0
        else:
            result[name] = ci.relative_half_width
    return result


def _within(widths: dict[str, float], values: dict[str, list[float]], target: float) -> bool:
    """Return True when every measure with a value in some replication is within ``target``.

    A measure with no value at all (for example the share of targets met in
    a scenario without targets) does not apply and is left out.
    """

    for name, width in widths.items():
        applicable = any(not math.isnan(value) for value in values[name])
        if applicable and (math.isnan(width) or width > target):
            return False
    return True


def run_to_precision(
    scenario: Scenario,
    seed: int,
    precision: float,
    *,
    min_replications: int = 10,
    max_replications: int = 1000,
    k_limit: int = 5,
    workers: int = 1,
    keep_task_log: bool = False,
    measures: tuple[str, ...] = KEY_MEASURES,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ExperimentResult, PrecisionReport]:
    """Add replications until every key measure's relative half-width is at most ``precision``.

    ``progress(done, max_replications)`` is called after each replication.
    Returns the result holding exactly the chosen replications, and a report.
    """

    if not 0 < precision < 1:
        raise ValueError(f"precision must be between 0 and 1, got {precision}")
    if not 3 <= min_replications <= max_replications:
        raise ValueError(f"need 3 <= min_replications <= max_replications, got {min_replications}, {max_replications}")

    values: dict[str, list[float]] = {name: [] for name in measures}
    summaries = []
    candidate: int | None = None
    chosen: int | None = None

    # Chunks of one replication keep each queue series separate, because the result may stop mid-chunk.
    stream = iterate_replications(scenario, seed, range(max_replications), keep_task_log=keep_task_log,
                                  workers=workers, chunk_size=1)
    for summary in stream:
        summaries.append(summary)
        for name in measures:
            values[name].append(summary.measures[name])
        count = len(summaries)
        if progress:
            progress(count, max_replications)
        if count < max(3, min_replications):
            continue

        if _within(relative_half_widths(values), values, precision):
            if candidate is None:
                candidate = count
            if count - candidate >= look_ahead(candidate, k_limit):
                chosen = candidate
                break
        else:
            candidate = None
    stream.close()

    reached = chosen is not None
    count = chosen if reached else len(summaries)
    result = ExperimentResult(scenario=scenario, seed=seed)
    for summary in summaries[:count]:
        result.add(summary)
    widths = relative_half_widths({name: series[:count] for name, series in values.items()})
    report = PrecisionReport(precision, count, reached, max_replications, widths)
    return result, report

