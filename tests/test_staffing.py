"""Unit tests of staffing options: applying them, and keeping them in files of their own."""

from __future__ import annotations

import shutil

import pytest
import yaml

from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.staffing import (
    apply_staffing,
    discover_staffing_files,
    load_scenario_with_staffing,
    save_staffing_option,
)


@pytest.fixture
def scenario_copy(tmp_path, project_root):
    """A copy of the default scenario and its organisation in a temporary folder."""

    shutil.copytree(project_root / "scenarios", tmp_path / "scenarios",
                    ignore=shutil.ignore_patterns("staffing"))
    return tmp_path / "scenarios" / "default.yaml"


def test_options_do_not_stack(default_scenario_path):
    """Applying option B to a scenario that has option A applied gives the same as applying B alone."""

    after_a = load_scenario(default_scenario_path, staffing="加强安监").with_staffing("加强区政府")
    alone = load_scenario(default_scenario_path, staffing="加强区政府")
    assert after_a.departments == alone.departments
    assert after_a.teams == alone.teams


def test_save_and_load_by_name(scenario_copy):
    """A saved option keeps only the changed counts and is then found by name."""

    scenario = load_scenario(scenario_copy)
    staff = {name: staffing.staff for name, staffing in scenario.departments.items()}
    teams = dict(scenario.teams)
    staff["市委宣传部（市政府新闻办）"] += 3
    teams["舆情新闻信息组"] += 1
    path = save_staffing_option(scenario, "加强舆情", "宣传部加3人", staff, teams)

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert path.parent == scenario_copy.parent / "staffing"
    assert data["scenario"] == "default.yaml"
    assert list(data["departments"]) == ["市委宣传部（市政府新闻办）"]
    assert list(data["groups"]) == ["舆情新闻信息组"]

    assert "加强舆情" in discover_staffing_files(scenario)
    loaded = load_scenario_with_staffing(scenario_copy, "加强舆情")
    assert loaded.staffing_name == "加强舆情"
    assert loaded.departments["市委宣传部（市政府新闻办）"].staff == staff["市委宣传部（市政府新闻办）"]
    assert loaded.teams["舆情新闻信息组"] == teams["舆情新闻信息组"]


def test_staffing_by_path(scenario_copy):
    """A staffing option file can be given by its path."""

    scenario = load_scenario(scenario_copy)
    staff = {name: staffing.staff for name, staffing in scenario.departments.items()}
    staff["市安全监管局"] = 9
    path = save_staffing_option(scenario, "安监九人", "", staff, dict(scenario.teams))
    applied = apply_staffing(scenario, str(path))
    assert applied.departments["市安全监管局"].staff == 9


def test_save_rejects_no_change(scenario_copy):
    """Saving counts equal to the scenario file's own is rejected, so no empty option file appears."""

    scenario = load_scenario(scenario_copy)
    staff = {name: staffing.staff for name, staffing in scenario.file_departments.items()}
    with pytest.raises(ScenarioError) as caught:
        save_staffing_option(scenario, "无修改", "", staff, dict(scenario.file_teams))
    assert "没有需要保存的修改" in caught.value.format("zh")
    assert not (scenario_copy.parent / "staffing").exists()


@pytest.mark.parametrize("name", ["", "../逃逸", "a/b", ".隐藏", "基准"])
def test_save_rejects_bad_names(scenario_copy, name):
    """Empty names, path characters, hidden names and taken names are rejected; nothing is written."""

    scenario = load_scenario(scenario_copy)
    staff = {name: staffing.staff for name, staffing in scenario.departments.items()}
    with pytest.raises(ScenarioError):
        save_staffing_option(scenario, name, "", staff, dict(scenario.teams))
    assert not (scenario_copy.parent / "staffing").exists() or not any((scenario_copy.parent / "staffing").iterdir())


def test_invalid_staffing_file_reported(scenario_copy):
    """A staffing file naming an unknown department is rejected with the suggestion."""

    path = scenario_copy.parent / "staffing" / "坏.yaml"
    path.parent.mkdir()
    path.write_text("schema: hqsim-staffing/1\nname: 坏\nscenario: default.yaml\n"
                    "departments: {市安全监管:  {staff: 3}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        apply_staffing(load_scenario(scenario_copy), str(path))
    assert "市安全监管局" in caught.value.format("zh")


def test_unknown_option_lists_files(scenario_copy):
    """An unknown option name is rejected with the options from the scenario and its staffing folder."""

    scenario = load_scenario(scenario_copy)
    staff = {name: staffing.staff for name, staffing in scenario.departments.items()}
    staff["市安全监管局"] += 1
    save_staffing_option(scenario, "文件方案", "", staff, dict(scenario.teams))
    with pytest.raises(ScenarioError) as caught:
        apply_staffing(scenario, "不存在的方案")
    message = caught.value.format("zh")
    assert "文件方案" in message
    assert "加强安监" in message
