"""Unit tests of scenario loading: the default scenario, time formats, distributions and staffing options."""

from __future__ import annotations

import math

import numpy as np
import pytest

from factories import mmc_scenario, write_files
from sim.distributions import DistributionError, parse_distribution
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.timefmt import format_time, parse_time


def test_default_scenario_loads(default_scenario_path):
    """The default scenario loads, references the 2017 organisation and covers at least 24 hours of injects."""

    scenario = load_scenario(default_scenario_path)
    assert scenario.staffing_name == scenario.default_staffing
    assert len(scenario.organisation.groups) == 12
    assert max(inject.time for inject in scenario.injects) >= 20 * 60
    assert scenario.horizon >= 24 * 60
    assert len(scenario.staffing_options) >= 3
    assert scenario.relay_task is not None


def test_default_targets_from_regulations(default_scenario_path):
    """The default scenario keeps the reviewer's time targets as data: 1 h report, 5 h statement, 24 h conference."""

    targets = load_scenario(default_scenario_path).targets.values()
    minutes = sorted(target.minutes for target in targets)
    assert 60 in minutes
    assert 300 in minutes
    assert 1440 in minutes
    assert all(target.source for target in targets)


def test_staffing_option_overrides_only_listed(default_scenario_path):
    """A staffing option changes only the staff and teams it lists."""

    base = load_scenario(default_scenario_path)
    for name, option in base.staffing_options.items():
        changed = base.with_staffing(name)
        listed = dict(option.staff)
        for department, staffing in changed.departments.items():
            expected = listed.get(department, base.departments[department].staff)
            assert staffing.staff == expected, (name, department)
        teams = dict(option.teams)
        for group, count in changed.teams.items():
            assert count == teams.get(group, base.teams[group]), (name, group)


@pytest.mark.parametrize("value, minutes", [(90, 90.0), (12.5, 12.5), ("01:30", 90.0), ("26:00", 1560.0), ("0:05", 5.0)])
def test_parse_time(value, minutes):
    """Times are minutes or quoted "HH:MM" with hours beyond 24 allowed."""

    assert parse_time(value) == minutes


@pytest.mark.parametrize("value", ["1:5", "ab", "10:60", True, float("nan"), None, 10**400, [90]])
def test_parse_time_rejects(value):
    """Malformed times raise ValueError."""

    with pytest.raises(ValueError):
        parse_time(value)


def test_format_time_round_trip():
    """format_time inverts parse_time for whole minutes."""

    assert parse_time(format_time(1590)) == 1590


@pytest.mark.parametrize("spec, mean", [
    ({"dist": "fixed", "value": 4}, 4.0),
    ({"dist": "exponential", "mean": 3}, 3.0),
    ({"dist": "triangular", "min": 1, "mode": 2, "max": 6}, 3.0),
    ({"dist": "uniform", "min": 2, "max": 4}, 3.0),
    ({"dist": "lognormal", "median": 10, "sigma": 0.5}, 10 * math.exp(0.125)),
])
def test_distribution_sample_mean(spec, mean):
    """Each family's sample mean over 20,000 draws is within 3% of its theoretical mean, and no draw is negative."""

    distribution = parse_distribution(spec)
    rng = np.random.default_rng(3)
    draws = np.array([distribution.sample(rng) for _ in range(20_000)])
    assert distribution.mean == pytest.approx(mean)
    assert draws.mean() == pytest.approx(mean, rel=0.03)
    assert draws.min() >= 0


@pytest.mark.parametrize("spec, fragment", [
    ({"dist": "triangular", "min": 5, "mode": 2, "max": 6}, "min ≤ mode ≤ max"),
    ({"dist": "lognormal", "median": 10, "sigma": -1}, "不能为负数"),
    ({"dist": "gamma", "shape": 2}, "未知的分布类型"),
    ({"dist": "exponential"}, "缺少参数"),
    ({"dist": "uniform", "min": 1, "max": float("inf")}, "有限数字"),
    ({"dist": "fixed", "value": 10**400}, "过大"),
    ({"dist": "lognormal", "median": 10, "sigma": 11}, "过大"),
    ({"dist": ["triangular"], "min": 1}, "未知的分布类型"),
    ({"min": 1, "mode": 2, "max": 3}, "缺少分布类型"),
])
def test_distribution_rejects(spec, fragment):
    """Impossible distribution parameters raise ValueError with a Chinese reason."""

    with pytest.raises(ValueError, match=fragment):
        parse_distribution(spec)


@pytest.mark.parametrize("spec, parameter, value", [
    ({"dist": "lognormal", "median": 10, "sigma": -1}, "sigma", -1),
    ({"dist": "fixed", "value": float("inf")}, "value", float("inf")),
    ({"dist": "triangle", "min": 1, "mode": 2, "max": 3}, "dist", "triangle"),
    ({"dist": "uniform", "min": 1, "max": 2, "mode": 1}, "mode", 1),
])
def test_distribution_error_names_parameter(spec, parameter, value):
    """A DistributionError names the parameter at fault and its value, and suggests a fix in both languages."""

    with pytest.raises(DistributionError) as caught:
        parse_distribution(spec)
    assert caught.value.parameter == parameter
    assert caught.value.value == value
    assert caught.value.hint_zh
    assert caught.value.hint_en


def test_distribution_family_suggestion():
    """A misspelt family gets the closest family name as the fix."""

    with pytest.raises(DistributionError) as caught:
        parse_distribution({"dist": "triangle", "min": 1, "mode": 2, "max": 3})
    assert "triangular" in caught.value.hint_zh
    assert "triangular" in caught.value.hint_en


def test_hhmm_strings_accepted(tmp_path):
    """Inject times and the horizon may be written as quoted "HH:MM"."""

    scenario = mmc_scenario(1, 0.1, 1.0, "10:00")
    scenario["injects"] = [{"id": "I1", "time": "01:30", "description": "测试注入", "tasks": ["任务"]}]
    loaded = load_scenario(write_files(tmp_path, scenario))
    assert loaded.horizon == 600
    assert loaded.injects[0].time == 90


def test_unquoted_sexagesimal_rejected(tmp_path):
    """An unquoted 10:30 (a YAML 1.1 base-60 number) is rejected with the line and a fix."""

    path = write_files(tmp_path, mmc_scenario(1, 0.1, 1.0, 600))
    text = path.read_text(encoding="utf-8").replace("horizon: 600", "horizon: 10:30")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = caught.value.format("zh")
    assert "六十进制" in message
    assert '"10:30"' in message
    assert caught.value.issues[0].line == text.splitlines().index("horizon: 10:30") + 1


def test_unknown_field_suggests(tmp_path):
    """A misspelt field is rejected with the closest allowed name."""

    scenario = mmc_scenario(1, 0.1, 1.0, 600)
    scenario["horizn"] = 100
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_files(tmp_path, scenario))
    assert "horizon" in caught.value.format("zh")
