"""Functional tests of the ``hqsim`` command line, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from factories import mmc_scenario, write_files


def hqsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory, project_root):
    out = tmp_path_factory.mktemp("results")
    completed = hqsim("run", "-n", "3", "--seed", "5", "--out", str(out), cwd=project_root)
    return completed, out


def test_run_default_succeeds(default_run):
    """`hqsim run` on the default scenario exits 0, prints a Chinese summary and names the folder."""

    completed, out = default_run
    assert completed.returncode == 0, completed.stderr
    assert "达标任务占比" in completed.stdout
    assert "瓶颈部门" in completed.stdout
    assert "结果已写入" in completed.stdout
    assert "重复实验" in completed.stderr


def test_run_writes_complete_folder(default_run):
    """The results folder contains the manifest, CSV tables with a BOM, the summary JSON and five figures."""

    _, out = default_run
    folders = [path for path in out.iterdir() if path.is_dir()]
    assert len(folders) == 1
    folder = folders[0]
    for name in ("manifest.json", "summary.json", "task_log.csv", "resources.csv", "targets.csv", "replications.csv"):
        assert (folder / name).is_file(), name
    for name in ("gantt.png", "waiting_by_department.png", "utilisation_by_department.png", "targets.png"):
        assert (folder / "figures" / name).stat().st_size > 10_000, name

    raw = (folder / "task_log.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    log = pd.read_csv(folder / "task_log.csv", encoding="utf-8-sig")
    assert set(log["replication"]) == {0, 1, 2}
    assert "综合协调组" in set(log["group"])


def test_manifest_records_run(default_run, default_scenario_path):
    """The manifest records the scenario path and hash, staffing, seed, replications and version."""

    _, out = default_run
    folder = next(path for path in out.iterdir() if path.is_dir())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 5
    assert manifest["replications"] == 3
    assert manifest["staffing"] == "基准"
    assert len(manifest["scenario_sha256"]) == 64
    assert Path(manifest["scenario_path"]).name == default_scenario_path.name
    assert manifest["version"]


def test_staffing_option_named_in_folder(tmp_path, project_root):
    """`--staffing` applies the named option and the folder name says which."""

    completed = hqsim("run", "-n", "1", "--staffing", "加强安监", "--no-figures", "--out", str(tmp_path),
                      cwd=project_root)
    assert completed.returncode == 0, completed.stderr
    folder = next(tmp_path.iterdir())
    assert folder.name.endswith("_加强安监")
    assert not (folder / "figures").exists()


def test_unknown_staffing_clear_error(tmp_path, project_root):
    """An unknown staffing option exits 2 with a Chinese message listing the options and no traceback."""

    completed = hqsim("run", "-n", "1", "--staffing", "加强安监局", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 2
    assert "找不到人员配置方案" in completed.stderr
    assert "加强安监" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert list(tmp_path.iterdir()) == []


def test_invalid_scenario_clear_error(tmp_path, project_root):
    """A scenario with a bad field exits 2, names the file, line and field, and writes nothing."""

    scenario = mmc_scenario(1, 0.1, 1.0, 100)
    scenario["task_types"][0]["duration"] = {"dist": "triangular", "min": 9, "mode": 5, "max": 10}
    path = write_files(tmp_path / "in", scenario)
    out = tmp_path / "out"
    completed = hqsim("run", str(path), "-n", "1", "--out", str(out), cwd=project_root)
    assert completed.returncode == 2
    assert "scenario.yaml" in completed.stderr
    assert "task_types[0].duration" in completed.stderr
    assert "min ≤ mode ≤ max" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_english_messages(tmp_path, project_root):
    """`--lang en` prints the same summary in English."""

    completed = hqsim("--lang", "en", "run", "-n", "1", "--no-figures", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 0, completed.stderr
    assert "Tasks meeting their target" in completed.stdout
    assert "达标任务占比" not in completed.stdout


def test_bad_replications_rejected(tmp_path, project_root):
    """A replication count of 0 or above the limit is rejected with the limit stated."""

    completed = hqsim("run", "-n", "0", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 2
    assert "--replications" in completed.stderr
    assert "100000" in completed.stderr


def test_compare_writes_table(tmp_path, project_root):
    """`hqsim compare` with two staffing options prints paired differences and writes the comparison folder."""

    completed = hqsim("compare", "--staffing", "基准", "--staffing", "加强安监", "-n", "3", "--workers", "1",
                      "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 0, completed.stderr
    assert "方案对比（基准：基准" in completed.stdout
    assert "加强安监" in completed.stdout
    folder = next(tmp_path.iterdir())
    assert "_compare_" in folder.name
    table = pd.read_csv(folder / "comparison.csv", encoding="utf-8-sig")
    assert set(table["option"]) == {"基准", "加强安监"}
    assert {"diff_mean", "diff_low", "diff_high", "significant"} <= set(table.columns)
    assert (folder / "figures" / "differences.png").stat().st_size > 10_000
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [option["staffing"] for option in manifest["options"]] == ["基准", "加强安监"]


def test_compare_needs_two_options(tmp_path, project_root):
    """`hqsim compare` with one staffing option exits 2 with a Chinese explanation."""

    completed = hqsim("compare", "--staffing", "基准", "-n", "2", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 2
    assert "至少给出两个" in completed.stderr


def test_marginal_writes_ranking(tmp_path, project_root):
    """`hqsim marginal` ranks the changes, prints the top ones and writes marginal.csv."""

    completed = hqsim("marginal", "-n", "2", "--top", "3", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 0, completed.stderr
    assert "增加一人的效果排名" in completed.stdout
    assert "1. " in completed.stdout
    folder = next(tmp_path.iterdir())
    table = pd.read_csv(folder / "marginal.csv", encoding="utf-8-sig")
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert len(table) > 12
    assert (folder / "figures" / "marginal.png").is_file()


def test_precision_reports_count(tmp_path, project_root):
    """`hqsim run --precision` prints how many replications it needed and records it in the manifest."""

    completed = hqsim("run", "--precision", "0.5", "--max-replications", "30", "--no-figures",
                      "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 0, completed.stderr
    assert "精度目标" in completed.stdout
    folder = next(tmp_path.iterdir())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["precision"]["target"] == 0.5
    assert 3 <= manifest["replications"] <= 30


def test_precision_out_of_range(tmp_path, project_root):
    """A precision outside (0, 1) is rejected with an example of a valid value."""

    completed = hqsim("run", "--precision", "5", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 2
    assert "0.05" in completed.stderr


def test_closed_stdout_keeps_results(tmp_path, project_root):
    """When standard output is closed early (as by `| head`), the run still writes its results folder."""

    process = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", "-n", "2", "--no-figures",
                                "--out", str(tmp_path)], cwd=project_root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()
    assert len([path for path in tmp_path.iterdir() if path.is_dir()]) == 1


def test_out_is_file_rejected_first(tmp_path, project_root):
    """An --out that is a file is rejected before any replication runs."""

    target = tmp_path / "not-a-folder"
    target.write_text("x", encoding="utf-8")
    completed = hqsim("run", "-n", "50", "--out", str(target), cwd=project_root)
    assert completed.returncode == 2
    assert "不是文件夹" in completed.stderr
    assert "重复实验" not in completed.stderr


def test_lang_after_subcommand(tmp_path, project_root):
    """`--lang en` is accepted after the subcommand as well as before it."""

    completed = hqsim("run", "--lang", "en", "-n", "1", "--no-figures", "--out", str(tmp_path), cwd=project_root)
    assert completed.returncode == 0, completed.stderr
    assert "Tasks meeting their target" in completed.stdout


def test_few_replications_warned(default_run):
    """A run of fewer than 10 replications warns that its intervals are unreliable."""

    completed, _ = default_run
    assert "只有 3 次重复" in completed.stdout
