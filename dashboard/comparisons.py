"""Comparing staffing options from the dashboard, with caching like :mod:`dashboard.runs`.

:func:`compare_options` calls :func:`sim.compare.compare_scenarios` on the
chosen options (each loaded with its staffing applied) and, if asked,
:func:`sim.compare.marginal_staffing` on the first one, the baseline. It
writes a results folder in the layout of ``hqsim compare`` (comparison.csv,
one headline CSV per option, figures/differences.png, manifest.json) plus
marginal.csv and figures/marginal.png, and keeps that folder in memory.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from sim.compare import candidate_changes, compare_scenarios, marginal_staffing
from sim.results import write_comparison
from sim.scenario import Scenario

MAX_TOTAL_REPLICATIONS = 3000
"""Most replications one comparison request may run (options and marginal changes together)."""
MARGINAL_TOP = 15

_calls = threading.local()


@dataclass(frozen=True)
class ComparisonBundle:
    """A finished comparison: the comparison table, the marginal ranking (or None) and the results folder."""

    table: pd.DataFrame
    marginal: pd.DataFrame | None
    files: dict[str, bytes]
    folder_name: str
    labels: tuple[str, ...]
    replications: int
    seed: int


def total_replications(option_count: int, scenario: Scenario, replications: int, with_marginal: bool) -> int:
    """Return how many replications a comparison runs, the marginal changes included."""

    total = option_count * replications
    if with_marginal:
        total += (len(candidate_changes(scenario)) + 1) * replications
    return total


@st.cache_data(max_entries=8, show_spinner=False)
def _compare_cached(variants: tuple[tuple[str, Scenario], ...], replications: int, seed: int, with_marginal: bool,
                    _progress_text: str, _rendering_text: str) -> ComparisonBundle:
    # As in dashboard.runs, the progress bar must be created inside the cached function.
    _calls.ran = True
    baseline = variants[0][1]
    total = total_replications(len(variants), baseline, replications, with_marginal)
    bar = st.progress(0.0, text=_progress_text.format(done=0, total=total))
    offset = 0

    def progress(done: int, _total: int) -> None:
        bar.progress((offset + done) / total, text=_progress_text.format(done=offset + done, total=total))

    started = dt.datetime.now().astimezone()
    comparison = compare_scenarios(list(variants), replications, seed, progress=progress)
    table = comparison.table()
    marginal = None
    if with_marginal:
        offset = len(variants) * replications
        marginal = marginal_staffing(baseline, replications, seed, progress=progress)

    bar.progress(1.0, text=_rendering_text)

    with tempfile.TemporaryDirectory(prefix="hqsim-compare-") as temporary:
        folder = write_comparison(Path(temporary), comparison, list(variants), replications, seed, started,
                                  ["streamlit", "run", "dashboard/app.py"], marginal=marginal,
                                  marginal_top=MARGINAL_TOP)
        files = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in sorted(folder.rglob("*")) if path.is_file()}
    bar.empty()
    return ComparisonBundle(table=table, marginal=marginal, files=files, folder_name=folder.name,
                            labels=tuple(label for label, _ in variants), replications=replications, seed=seed)


def compare_options(variants: list[tuple[str, Scenario]], replications: int, seed: int, with_marginal: bool,
                    progress_text: str, rendering_text: str) -> tuple[ComparisonBundle, bool]:
    """Compare ``variants`` (label and staffed scenario, the baseline first) or fetch the cached comparison.

    Returns the bundle and True when it came from the cache. Raises
    ValueError for fewer than two variants, duplicate labels or more than
    ``MAX_TOTAL_REPLICATIONS`` replications in all.
    """

    labels = [label for label, _ in variants]
    if len(variants) < 2 or len(set(labels)) != len(labels):
        raise ValueError(f"need at least two variants with unique labels, got {labels}")
    total = total_replications(len(variants), variants[0][1], replications, with_marginal)
    if total > MAX_TOTAL_REPLICATIONS:
        raise ValueError(f"{total} replications exceed the limit of {MAX_TOTAL_REPLICATIONS}")

    _calls.ran = False
    bundle = _compare_cached(tuple(variants), int(replications), int(seed), bool(with_marginal),
                             progress_text, rendering_text)
    return bundle, not _calls.ran
