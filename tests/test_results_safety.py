"""Functional tests that results are written completely or not at all, and can be re-run."""

from __future__ import annotations

import datetime as dt
import errno
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from factories import mmc_scenario, write_files
from sim.errors import ScenarioError
from sim.experiment import run_experiment
from sim.loader import load_scenario
from sim.reproduce import rerun
from sim.results import TEMP_PREFIX, remove_incomplete, write_results


def visible_folders(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.is_dir() and not path.name.startswith(".")]


def start_cli(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture
def small_result(tmp_path):
    scenario = load_scenario(write_files(tmp_path / "in", mmc_scenario(2, 1.0, 1.0, 300)))
    return run_experiment(scenario, 3, 5)


def test_never_overwrites(small_result, tmp_path):
    """Two runs started in the same second get two folders; the first is not overwritten."""

    started = dt.datetime(2026, 1, 2, 3, 4, 5)
    first = write_results(small_result, tmp_path / "out", ["test"], started, figures=False)
    second = write_results(small_result, tmp_path / "out", ["test"], started, figures=False)
    assert first != second
    assert second.name == first.name + "-2"
    assert (first / "manifest.json").is_file()


def test_full_disk_leaves_nothing(small_result, tmp_path, monkeypatch):
    """An error while writing (here a full disk) removes the temporary folder and leaves no result folder."""

    import sim.results as results

    calls = {"count": 0}
    original = results.write_csv

    def failing_write(frame, path):
        calls["count"] += 1
        if calls["count"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(frame, path)

    monkeypatch.setattr(results, "write_csv", failing_write)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        write_results(small_result, out, ["test"], dt.datetime.now(), figures=False)
    assert list(out.iterdir()) == []


def test_leftover_temp_folder_removed(tmp_path):
    """A temporary folder left by a killed process is removed; one of a live process is kept."""

    dead = tmp_path / f"{TEMP_PREFIX}run-999999999"
    live = tmp_path / f"{TEMP_PREFIX}run-{subprocess.os.getpid()}"
    dead.mkdir()
    live.mkdir()
    removed = remove_incomplete(tmp_path)
    assert removed == [dead]
    assert live.exists()


def test_ctrl_c_leaves_no_folder(tmp_path, project_root):
    """Ctrl-C (SIGINT) during a run exits 130, reports that no folder was written, and leaves none."""

    process = start_cli(["run", "-n", "5000", "--workers", "1", "--out", str(tmp_path)], project_root)
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "运行已中断" in stderr
    assert "Traceback" not in stderr
    assert visible_folders(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_terminated_run_cleans_up(tmp_path, project_root):
    """SIGTERM is handled like Ctrl-C: exit 130 and nothing left in the results folder."""

    process = start_cli(["run", "-n", "5000", "--workers", "2", "--out", str(tmp_path)], project_root)
    time.sleep(4)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_killed_run_leaves_no_folder(tmp_path, project_root):
    """A killed run (SIGKILL) leaves no result folder."""

    process = start_cli(["run", "-n", "5000", "--workers", "1", "--out", str(tmp_path)], project_root)
    time.sleep(4)
    process.kill()
    process.communicate(timeout=60)
    assert visible_folders(tmp_path) == []


def test_rerun_matches(small_result, tmp_path):
    """Re-running a saved run from its manifest reproduces every per-replication value."""

    folder = write_results(small_result, tmp_path / "out", ["test"], dt.datetime.now(), figures=False)
    report = rerun(folder)
    assert report.matches, report.mismatches
    assert report.compared_values == 3 * len(small_result.measures.columns)


def test_rerun_detects_changed_numbers(small_result, tmp_path):
    """A saved table that no longer matches the re-run is reported value by value."""

    folder = write_results(small_result, tmp_path / "out", ["test"], dt.datetime.now(), figures=False)
    table = pd.read_csv(folder / "replications.csv", encoding="utf-8-sig")
    table.loc[1, "mean_wait"] += 1.0
    table.to_csv(folder / "replications.csv", index=False, encoding="utf-8-sig")
    report = rerun(folder)
    assert not report.matches
    assert any("mean_wait, replication 1" in line for line in report.mismatches)


def test_rerun_rejects_changed_scenario(small_result, tmp_path):
    """When the scenario file changed since the run, re-running is refused with the reason."""

    folder = write_results(small_result, tmp_path / "out", ["test"], dt.datetime.now(), figures=False)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    path = Path(manifest["scenario_path"])
    path.write_text(path.read_text(encoding="utf-8").replace("M/M/c 验证", "已修改"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        rerun(folder)
    assert "已被修改" in caught.value.format("zh")


def test_rerun_cli(small_result, tmp_path, project_root):
    """`hqsim rerun FOLDER` exits 0 and reports that the results match."""

    folder = write_results(small_result, tmp_path / "out", ["test"], dt.datetime.now(), figures=False)
    completed = subprocess.run([sys.executable, "-m", "sim.cli", "rerun", str(folder), "--workers", "1"],
                               cwd=project_root, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "结果一致" in completed.stdout


def test_rerun_rejects_compare_folder(tmp_path):
    """A compare folder cannot be re-run, and the single issue reported explains why."""

    folder = tmp_path / "20260101-000000_compare_default"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"kind": "compare", "options": []}), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        rerun(folder)
    assert len(caught.value.issues) == 1
    assert "只能重跑 hqsim run 的结果" in caught.value.format("zh")
