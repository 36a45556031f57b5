"""Writing a run's results folder, completely or not at all.

A run writes everything into a hidden temporary folder beside its final
place and renames it into place only when every file is written, so an
interrupted run (Ctrl-C, a killed process, a full disk) never leaves a
half-written result folder. An existing folder is never overwritten: the new
one gets a numbered suffix. Tables are CSV in UTF-8 with a byte-order mark,
which Excel opens with Chinese intact.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import platform
import re
import shutil
from pathlib import Path

import pandas as pd

import sim
from sim.experiment import ExperimentResult

log = logging.getLogger(__name__)

CSV_ENCODING = "utf-8-sig"
TEMP_PREFIX = ".incomplete-"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV that Excel opens with Chinese intact (UTF-8 with BOM)."""

    frame.to_csv(path, index=False, encoding=CSV_ENCODING)


def safe_folder_name(text: str) -> str:
    """Return ``text`` with characters that are unsafe in folder names replaced by '_'."""

    cleaned = re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._")
    return cleaned[:60] or "run"


def manifest(result: ExperimentResult, started: dt.datetime, finished: dt.datetime, command: list[str]) -> dict:
    """Return what is needed to reproduce the run: scenario path and hash, staffing, seed, replications, version."""

    scenario = result.scenario
    return {
        "tool": "hqsim",
        "version": sim.__version__,
        "scenario_name": scenario.name,
        "scenario_path": str(scenario.path),
        "organisation_path": str(scenario.organisation.path),
        "scenario_sha256": scenario.source_hash,
        "staffing": scenario.staffing_name,
        "seed": result.seed,
        "replications": result.replications,
        "horizon_minutes": scenario.horizon,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "command": command,
    }


def summary_dict(result: ExperimentResult) -> dict:
    """Return the headline measures, targets and top bottlenecks as JSON-ready data."""

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    def records(frame: pd.DataFrame) -> list[dict]:
        return [{key: clean(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]

    return {
        "scenario": result.scenario.name,
        "staffing": result.scenario.staffing_name,
        "replications": result.replications,
        "seed": result.seed,
        "confidence_level": 0.95,
        "headline": records(result.headline()),
        "targets": records(result.target_summary()),
        "bottleneck_departments": records(result.bottlenecks("department", top=10)),
        "bottleneck_groups": records(result.bottlenecks("group", top=5)),
    }


def write_results(result: ExperimentResult, results_dir: Path, command: list[str], started: dt.datetime,
                  figures: bool = True) -> Path:
    """Write the results folder for ``result`` under ``results_dir`` and return its final path."""

    from sim import figures as charts

    results_dir.mkdir(parents=True, exist_ok=True)
    scenario = result.scenario
    stem = Path(scenario.path).stem
    name = f"{started:%Y%m%d-%H%M%S}_{safe_folder_name(stem)}_{safe_folder_name(scenario.staffing_name)}"
    temp = results_dir / f"{TEMP_PREFIX}{name}"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir()

    try:
        write_csv(result.task_log, temp / "task_log.csv")
        write_csv(result.measures, temp / "replications.csv")
        write_csv(result.headline(), temp / "headline.csv")
        write_csv(result.target_summary(), temp / "targets.csv")
        write_csv(result.resource_summary(), temp / "resources.csv")
        write_csv(result.bottlenecks("department"), temp / "bottlenecks.csv")
        write_csv(result.queue_summary(), temp / "queues.csv")
        (temp / "summary.json").write_text(json.dumps(summary_dict(result), ensure_ascii=False, indent=2),
                                           encoding="utf-8")

        if figures:
            figure_dir = temp / "figures"
            figure_dir.mkdir()
            write_figures(result, figure_dir, charts)

        finished = dt.datetime.now().astimezone()
        (temp / "manifest.json").write_text(
            json.dumps(manifest(result, started, finished, command), ensure_ascii=False, indent=2), encoding="utf-8")

        final = _free_name(results_dir / name)
        temp.rename(final)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise

    log.info("wrote results folder %s", final)
    return final


def write_figures(result: ExperimentResult, folder: Path, charts) -> None:
    """Render the standard PNG figures of ``result`` into ``folder``."""

    scenario = result.scenario
    resources = result.resource_summary()
    task_log = result.task_log
    figures = {
        "gantt.png": charts.gantt_figure(task_log, scenario.organisation.group_names, scenario.horizon),
        "waiting_by_department.png": charts.waiting_by_department_figure(resources),
        "utilisation_by_department.png": charts.utilisation_by_department_figure(resources),
        "utilisation_over_time.png": charts.utilisation_over_time_figure(result.queue_summary()),
        "targets.png": charts.targets_figure(result.target_summary()),
    }
    for file_name, figure in figures.items():
        charts.save_figure(figure, folder / file_name)


def _free_name(path: Path) -> Path:
    """Return ``path`` or, if it exists, the first ``path-2``, ``path-3`` … that does not."""

    if not path.exists():
        return path
    number = 2
    while path.with_name(f"{path.name}-{number}").exists():
        number += 1
    return path.with_name(f"{path.name}-{number}")


def remove_incomplete(results_dir: Path) -> list[Path]:
    """Delete temporary folders left by runs that were killed; return what was removed."""

    removed = []
    if results_dir.is_dir():
        for child in results_dir.iterdir():
            if child.is_dir() and child.name.startswith(TEMP_PREFIX):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed
