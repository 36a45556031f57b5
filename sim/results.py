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
import os
import platform
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
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
        "kind": "run",
        "version": sim.__version__,
        "scenario_name": scenario.name,
        "scenario_path": str(Path(scenario.path).resolve()),
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


@contextmanager
def atomic_folder(results_dir: Path, name: str) -> Iterator[Path]:
    """Yield a new temporary folder under ``results_dir`` and delete it if the block raises.

    On any exception, Ctrl-C included, the temporary folder is deleted and the
    exception propagates. Use :func:`write_folder`, which also renames the
    folder into place.
    """

    results_dir.mkdir(parents=True, exist_ok=True)
    temp = results_dir / f"{TEMP_PREFIX}{name}-{os.getpid()}"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir()
    try:
        yield temp
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def write_folder(results_dir: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Call ``write(folder)`` on a temporary folder and move it to ``results_dir/name`` when it returns.

    An existing folder is never overwritten: the new one gets a numbered
    suffix. On any exception, Ctrl-C included, nothing is left behind.
    """

    with atomic_folder(results_dir, name) as temp:
        write(temp)
        final = _free_name(results_dir / name)
        temp.rename(final)
    log.info("wrote results folder %s", final)
    return final


def run_folder_name(started: dt.datetime, *parts: str) -> str:
    """Return a results folder name: the start time followed by ``parts`` made safe for file names."""

    return "_".join([f"{started:%Y%m%d-%H%M%S}"] + [safe_folder_name(part) for part in parts])


def write_results(result: ExperimentResult, results_dir: Path, command: list[str], started: dt.datetime,
                  figures: bool = True, extra_manifest: dict | None = None) -> Path:
    """Write the results folder for ``result`` under ``results_dir`` and return its final path."""

    from sim import figures as charts

    scenario = result.scenario

    def write(folder: Path) -> None:
        write_csv(result.task_log, folder / "task_log.csv")
        write_csv(result.measures, folder / "replications.csv")
        write_csv(result.headline(), folder / "headline.csv")
        write_csv(result.target_summary(), folder / "targets.csv")
        write_csv(result.resource_summary(), folder / "resources.csv")
        write_csv(result.bottlenecks("department"), folder / "bottlenecks.csv")
        write_csv(result.queue_summary(), folder / "queues.csv")
        write_json(summary_dict(result), folder / "summary.json")

        if figures:
            figure_dir = folder / "figures"
            figure_dir.mkdir()
            write_figures(result, figure_dir, charts)

        finished = dt.datetime.now().astimezone()
        write_json({**manifest(result, started, finished, command), **(extra_manifest or {})},
                   folder / "manifest.json")

    name = run_folder_name(started, Path(scenario.path).stem, scenario.staffing_name)
    return write_folder(results_dir, name, write)


def write_json(data: dict, path: Path) -> None:
    """Write ``data`` as indented UTF-8 JSON with Chinese kept readable."""

    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8")


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return str(value)


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
    """Delete temporary folders left by runs that were killed; return what was removed.

    A temporary folder's name ends with the id of the process writing it, and
    the folder of a process that is still running is left alone.
    """

    removed = []
    if not results_dir.is_dir():
        return removed
    for child in results_dir.iterdir():
        if not (child.is_dir() and child.name.startswith(TEMP_PREFIX)):
            continue
        pid_text = child.name.rsplit("-", 1)[-1]
        if pid_text.isdigit() and _process_alive(int(pid_text)):
            continue
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def options_manifest(variants, replications: int, seed: int, started: dt.datetime, command: list[str],
                     kind: str, **extra) -> dict:
    """Return the manifest of a comparison or marginal run: every option's scenario, hash and staffing."""

    return {
        "tool": "hqsim",
        "kind": kind,
        "version": sim.__version__,
        "options": [
            {"label": label, "scenario_path": str(Path(scenario.path).resolve()),
             "scenario_sha256": scenario.source_hash, "staffing": scenario.staffing_name}
            for label, scenario in variants
        ],
        "seed": seed,
        "replications": replications,
        **extra,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "command": command,
    }


def write_comparison(results_dir: Path, comparison, variants, replications: int, seed: int, started: dt.datetime,
                     command: list[str], marginal: pd.DataFrame | None = None, marginal_top: int = 15) -> Path:
    """Write a comparison folder: the paired-difference table, each option's headline, the chart, the manifest.

    ``marginal``, when given, adds the one-more-person ranking and its chart.
    """

    from sim.compare_figures import differences_figure, marginal_figure
    from sim.figures import save_figure

    table = comparison.table()

    def write(folder: Path) -> None:
        write_csv(table, folder / "comparison.csv")
        for label, result in comparison.results.items():
            write_csv(result.headline().assign(option=label), folder / f"headline_{safe_folder_name(label)}.csv")
        (folder / "figures").mkdir()
        save_figure(differences_figure(table), folder / "figures" / "differences.png")
        if marginal is not None:
            write_csv(marginal, folder / "marginal.csv")
            save_figure(marginal_figure(marginal, top=marginal_top), folder / "figures" / "marginal.png")
        write_json(options_manifest(variants, replications, seed, started, command, "compare",
                                    marginal=marginal is not None), folder / "manifest.json")

    baseline = variants[0][1]
    return write_folder(results_dir, run_folder_name(started, "compare", Path(baseline.path).stem), write)


def write_marginal(results_dir: Path, table: pd.DataFrame, scenario, replications: int, seed: int,
                   started: dt.datetime, command: list[str], top: int = 15) -> Path:
    """Write a marginal folder: the one-more-person ranking, its chart and the manifest."""

    from sim.compare_figures import marginal_figure
    from sim.figures import save_figure

    def write(folder: Path) -> None:
        write_csv(table, folder / "marginal.csv")
        (folder / "figures").mkdir()
        save_figure(marginal_figure(table, top=top), folder / "figures" / "marginal.png")
        write_json(options_manifest([(scenario.staffing_name, scenario)], replications, seed, started, command,
                                    "marginal"), folder / "manifest.json")

    name = run_folder_name(started, "marginal", Path(scenario.path).stem, scenario.staffing_name)
    return write_folder(results_dir, name, write)
