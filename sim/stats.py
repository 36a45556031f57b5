"""Confidence intervals across independent replications.

Replications are independent and identically distributed, so the mean of a
measure over ``n`` replications has a Student-t confidence interval with
``n - 1`` degrees of freedom: mean ± t(1 - α/2, n - 1) · s / √n.

>>> ci = mean_ci([10.0, 12.0, 14.0])
>>> round(ci.mean, 3), round(ci.half_width, 3)
(12.0, 4.968)
>>> mean_ci([0.9, 1.0, 1.0], bounds=(0, 1)).high
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats


@dataclass(frozen=True)
class ConfidenceInterval:
    """A mean with its Student-t interval; ``n`` counts the replications that had a value."""

    mean: float
    low: float
    high: float
    half_width: float
    n: int

    @property
    def relative_half_width(self) -> float:
        """Half-width divided by the absolute mean (NaN when the mean is 0)."""

        return self.half_width / abs(self.mean) if self.mean else math.nan


def mean_ci(values, confidence: float = 0.95, bounds: tuple[float, float] | None = None) -> ConfidenceInterval:
    """Return the mean of ``values`` (NaNs ignored) with its Student-t interval.

    ``bounds`` clips the interval to the range the measure can take (for
    example (0, 1) for a share), so that a small sample never reports a share
    below 0% or above 100%; the half-width stays the unclipped one. With one
    value the interval is unknown (NaN bounds); with none, everything is NaN.
    """

    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    n = len(array)
    if n == 0:
        return ConfidenceInterval(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(array.mean())
    if n == 1:
        return ConfidenceInterval(mean, math.nan, math.nan, math.nan, 1)
    sd = float(array.std(ddof=1))
    half = float(scipy_stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, float(bounds[0])), min(high, float(bounds[1]))
    return ConfidenceInterval(mean, low, high, half, n)
