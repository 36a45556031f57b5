"""Running a study from the dashboard and caching its results.

:func:`run_study` calls :func:`sim.experiment.run_experiment` and then
:func:`sim.results.write_results`, the same two functions as ``hqsim run``,
and keeps the written results folder in memory for display and download.
Results are cached with ``st.cache_data`` on the content of the scenario
object (which includes the SHA-256 of the scenario and organisation files,
the applied staffing and the file name shown to the user), the number of
replications and the seed. A cached result therefore reaches another session
only when all of those are identical.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from sim.experiment import TASK_LOG_AUTO_LIMIT
from sim.experiment import ExperimentResult, run_experiment
from sim.results import write_results
from sim.scenario import Scenario

MAX_DASHBOARD_REPLICATIONS = 500
"""Upper limit of the replications field, so one request cannot occupy the server for hours."""
DEFAULT_REPLICATIONS = 10
DEFAULT_SEED = 20261204
"""The command line's default seed, so both give the same results by default."""

FIGURE_FILES = (
    "figures/targets.png",
    "figures/gantt.png",
    "figures/waiting_by_department.png",
    "figures/utilisation_by_department.png",
    "figures/utilisation_over_time.png",
)
CSV_FILES = (
    "task_log.csv", "replications.csv", "headline.csv", "targets.csv",
    "resources.csv", "bottlenecks.csv", "queues.csv",
)

_calls = threading.local()


@dataclass(frozen=True)
class RunBundle:
    """One finished study: the experiment result, its summary tables and its results folder.

    ``files`` maps each path inside the results folder written by
    :func:`write_results` (such as ``task_log.csv`` or
    ``figures/gantt.png``) to its bytes. ``command`` is the equivalent
    ``hqsim run`` command, or None when the staffing came from the dashboard
    and the command line cannot express it.
    """

    result: ExperimentResult
    tables: dict[str, pd.DataFrame]
    files: dict[str, bytes]
    folder_name: str
    command: tuple[str, ...] | None
    started: str


def cli_command(scenario_label: str, staffing: str, replications: int, seed: int) -> list[str]:
    """Return the ``hqsim run`` command that reproduces a study of a named staffing option."""

    return ["hqsim", "run", scenario_label, "--staffing", staffing, "--replications", str(replications),
            "--seed", str(seed)]


def _read_folder(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@st.cache_data(max_entries=16, show_spinner=False)
def _run_cached(scenario: Scenario, replications: int, seed: int, command: tuple[str, ...] | None,
                _progress_text: str, _rendering_text: str) -> RunBundle:
    # The progress bar is created inside the cached function on purpose:
    # st.cache_data replays the elements a cached function drew, and it can
    # only do so for elements the function created itself.
    _calls.ran = True
    bar = st.progress(0.0, text=_progress_text.format(done=0, total=replications))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=_progress_text.format(done=done, total=total))

    started = dt.datetime.now().astimezone()
    # Like `hqsim run --task-log auto`: above the limit only replication 0 keeps its task log.
    keep_task_log = replications <= TASK_LOG_AUTO_LIMIT
    result = run_experiment(scenario, replications, seed, keep_task_log=keep_task_log, progress=progress)

    bar.progress(1.0, text=_rendering_text)
    recorded_command = list(command) if command else ["streamlit", "run", "dashboard/app.py"]
    with tempfile.TemporaryDirectory(prefix="hqsim-run-") as temporary:
        folder = write_results(result, Path(temporary), recorded_command, started)
        files = _read_folder(folder)
        folder_name = folder.name
    bar.empty()

    tables = {
        "headline": result.headline(),
        "targets": result.target_summary(),
        "resources": result.resource_summary(),
        "bottlenecks": result.bottlenecks("department"),
        "bottleneck_groups": result.bottlenecks("group"),
    }
    return RunBundle(result=result, tables=tables, files=files, folder_name=folder_name,
                     command=command, started=started.isoformat(timespec="seconds"))


def run_study(scenario: Scenario, replications: int, seed: int, command: list[str] | None,
              progress_text: str, rendering_text: str) -> tuple[RunBundle, bool]:
    """Run (or fetch from the cache) a study and return it with True when it came from the cache.

    ``progress_text`` is a template with ``{done}`` and ``{total}`` shown on the
    progress bar while replications run, and ``rendering_text`` is shown while
    tables and figures are written.
    """

    if not 1 <= replications <= MAX_DASHBOARD_REPLICATIONS:
        raise ValueError(f"replications must be from 1 to {MAX_DASHBOARD_REPLICATIONS}, got {replications}")
    if seed < 0:
        raise ValueError(f"seed must not be negative, got {seed}")

    _calls.ran = False
    bundle = _run_cached(scenario, int(replications), int(seed), tuple(command) if command else None,
                         progress_text, rendering_text)
    return bundle, not _calls.ran
