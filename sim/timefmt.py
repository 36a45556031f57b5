"""Times in scenario files: minutes after the accident.

A time is written either as a number of minutes (``90``, ``12.5``) or as a
quoted ``"HH:MM"`` string whose hours may exceed 24 (``"26:30"`` is 1,590
minutes). This module converts between the two forms.

>>> parse_time("01:30")
90.0
>>> parse_time(45)
45.0
>>> format_time(1590)
'26:30'
"""

from __future__ import annotations

import math
import re

_HHMM = re.compile(r"^\s*(\d{1,4}):([0-5]\d)\s*$")


def parse_time(value: object) -> float:
    """Return ``value`` in minutes; raise ValueError when it is neither a number nor "HH:MM"."""

    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        try:
            minutes = float(value)
        except OverflowError:
            raise ValueError(f"time too large: {value!r}") from None
        if not math.isfinite(minutes):
            raise ValueError(f"not a finite time: {value!r}")
        return minutes
    if isinstance(value, str):
        match = _HHMM.match(value)
        if match:
            return float(int(match.group(1)) * 60 + int(match.group(2)))
    raise ValueError(f"not a time: {value!r}")


def format_time(minutes: float) -> str:
    """Return ``minutes`` as "HH:MM", rounding to the nearest minute."""

    total = int(round(minutes))
    sign = "-" if total < 0 else ""
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"
