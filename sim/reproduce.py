"""Re-running a finished run from its manifest and checking the numbers match.

A results folder's ``manifest.json`` records the scenario path and its
SHA-256 hash (scenario plus organisation file), the staffing option, the
root seed and the replication count. :func:`rerun` loads the same files,
refuses to go on if their hash changed (the run could not be reproduced),
runs the same replications and compares the per-replication key measures
with the saved ``replications.csv``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from sim.errors import IssueCollector
from sim.experiment import run_experiment
from sim.loader import load_scenario
from sim.results import CSV_ENCODING


@dataclass
class RerunReport:
    """The outcome of a re-run: which measures differ, if any."""

    folder: Path
    replications: int
    compared_values: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        """True when every compared value equals the saved one."""

        return not self.mismatches


def read_manifest(folder: Path) -> dict:
    """Return the manifest of a results folder; raise ScenarioError when it is missing or unreadable."""

    path = folder / "manifest.json"
    collector = IssueCollector(str(path))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        collector.add("", "找不到 manifest.json，该文件夹不是 hqsim 运行结果。",
                      "manifest.json not found; this folder is not an hqsim run result.", str(folder),
                      "请指定 results/ 下的某个运行结果文件夹。", "Name one run folder under results/.")
        collector.raise_if_any()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        collector.add("", f"无法读取 manifest.json：{error}。", f"Cannot read manifest.json: {error}.", str(folder))
        collector.raise_if_any()

    if not isinstance(manifest, dict):
        collector.add("", "manifest.json 的内容不是映射。", "manifest.json does not contain a mapping.", str(folder))
        collector.raise_if_any()
    if manifest.get("kind", "run") != "run":
        collector.add("kind", "只能重跑 hqsim run 的结果（不支持 compare/marginal 结果）。",
                      "Only hqsim run results can be re-run (not compare or marginal results).", manifest.get("kind"),
                      "请指定 hqsim run 写出的结果文件夹。", "Name a folder written by hqsim run.")
        collector.raise_if_any()
    for key in ("scenario_path", "scenario_sha256", "staffing", "seed", "replications"):
        if key not in manifest:
            collector.add(key, f"manifest.json 缺少字段“{key}”。", f"manifest.json lacks '{key}'.")
    collector.raise_if_any()
    return manifest


def rerun(folder: str | Path, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> RerunReport:
    """Re-run the run saved in ``folder`` and compare its per-replication measures with the saved ones."""

    folder = Path(folder)
    manifest = read_manifest(folder)
    scenario = load_scenario(manifest["scenario_path"], staffing=manifest["staffing"])

    collector = IssueCollector(str(folder / "manifest.json"))
    if scenario.source_hash != manifest["scenario_sha256"]:
        collector.add("scenario_sha256", "情景文件或组织架构文件自该次运行后已被修改，无法复现。",
                      "The scenario or organisation file changed since that run, so it cannot be reproduced.",
                      manifest["scenario_sha256"][:12],
                      "请恢复当时的文件（例如从版本库或备份中取回）后再重跑。",
                      "Restore the files of that run (from version control or a backup) and re-run.")
        collector.raise_if_any()

    result = run_experiment(scenario, int(manifest["replications"]), int(manifest["seed"]), keep_task_log=False,
                            workers=workers, progress=progress)
    saved = pd.read_csv(folder / "replications.csv", encoding=CSV_ENCODING)
    fresh = result.measures
    return compare_measures(folder, saved, fresh)


def compare_measures(folder: Path, saved: pd.DataFrame, fresh: pd.DataFrame) -> RerunReport:
    """Compare two per-replication measure tables value by value (relative tolerance 1e-9)."""

    report = RerunReport(folder=folder, replications=len(fresh), compared_values=0)
    if len(saved) != len(fresh):
        report.mismatches.append(f"replications: saved {len(saved)}, re-run {len(fresh)}")
        return report
    for column in fresh.columns:
        if column not in saved.columns:
            report.mismatches.append(f"{column}: missing from the saved table")
            continue
        for index, (old, new) in enumerate(zip(saved[column], fresh[column])):
            report.compared_values += 1
            both_nan = isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new)
            if not both_nan and not math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-9):
                report.mismatches.append(f"{column}, replication {index}: saved {old}, re-run {new}")
    return report
