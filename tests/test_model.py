"""Functional tests of the simpy model on the default scenario and small scenarios."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from factories import mmc_scenario, write_files
from sim.distributions import parse_distribution
from sim.loader import load_scenario
from sim.metrics import acquisition_frame, task_log
from sim.model import run_replication
from sim.scenario import DepartmentStaffing


@pytest.fixture(scope="module")
def default_scenario(default_scenario_path):
    return load_scenario(default_scenario_path)


def run_log(scenario, seed=7, replication=0):
    output = run_replication(scenario, seed, replication)
    return output, task_log(output, scenario)


def unlimited(scenario, instant=False):
    """Return ``scenario`` with far more staff and teams than it can use (and, if ``instant``, no delays)."""

    zero = parse_distribution(0)
    departments = {
        name: DepartmentStaffing(1000, zero if instant else staffing.mobilisation)
        for name, staffing in scenario.departments.items()
    }
    teams = {name: 200 for name in scenario.teams}
    changed = replace(scenario, departments=departments, teams=teams)
    return replace(changed, hq_activation=zero) if instant else changed


def test_every_task_done_or_unfinished(default_scenario):
    """Conservation: every created task either ends before the horizon or is marked unfinished."""

    output, log = run_log(default_scenario)
    assert len(log) == len(output.tasks) > 0
    finished = log["end"].notna()
    assert (finished ^ log["unfinished"]).all()
    assert (log.loc[finished, "end"] <= default_scenario.horizon).all()
    assert log["task_id"].is_unique


def test_times_are_ordered(default_scenario):
    """Each task is created no earlier than its inject, starts after creation and ends after it starts."""

    _, log = run_log(default_scenario)
    started = log[log["start"].notna()]
    assert (log["created"] >= log["inject_time"] - 1e-9).all()
    assert (started["start"] >= started["created"] - 1e-9).all()
    assert (started["wait"] >= 0).all()
    done = log[log["end"].notna()]
    assert np.allclose(done["end"] - done["start"], done["duration"])


def test_same_seed_same_log(default_scenario):
    """The same seed and replication give an identical task log."""

    _, first = run_log(default_scenario, seed=11)
    _, second = run_log(default_scenario, seed=11)
    pd.testing.assert_frame_equal(first, second)


def test_other_seed_other_log(default_scenario):
    """A different seed, or a different replication number, gives a different task log."""

    _, first = run_log(default_scenario, seed=11)
    _, other_seed = run_log(default_scenario, seed=12)
    _, other_replication = run_log(default_scenario, seed=11, replication=1)
    assert not first["start"].equals(other_seed["start"])
    assert not first["start"].equals(other_replication["start"])


def test_unlimited_staff_no_queueing(default_scenario):
    """With more staff and teams than ever needed, every resource request is granted at once."""

    output, log = run_log(unlimited(default_scenario))
    requests = acquisition_frame(output)
    granted = requests[requests["granted"].notna()]
    assert len(granted) > 0
    assert (granted["granted"] - granted["requested"]).abs().max() == 0


def test_unlimited_staff_instant_no_wait(default_scenario):
    """With unlimited staff and no activation or mobilisation delay, no task waits at all."""

    _, log = run_log(unlimited(default_scenario, instant=True))
    assert log["wait"].max() == 0
    assert log["longest_wait_resource"].isna().all()


def test_injects_relayed_first(default_scenario):
    """Every inject's tasks are created when its relay task by 综合协调组 ends."""

    _, log = run_log(default_scenario)
    relays = log[log["origin"] == "relay"].set_index("task_id")
    assert (relays["group"] == "综合协调组").all()
    from_injects = log[log["origin"] == "inject"]
    assert len(from_injects) > 0
    parents = relays.loc[from_injects["parent_id"]]
    assert np.allclose(from_injects["created"].to_numpy(), parents["end"].to_numpy())


def test_all_groups_reached(default_scenario):
    """The default scenario's injects reach all 12 working groups."""

    _, log = run_log(default_scenario)
    assert set(log["group"]) == set(default_scenario.organisation.group_names)
    assert len(default_scenario.organisation.group_names) == 12


def test_nothing_before_activation(default_scenario):
    """No task starts before the HQ is activated."""

    output, log = run_log(default_scenario)
    assert log["start"].min() >= output.activation_time


def test_department_arrival_respected(default_scenario):
    """No task is granted a department's staff before that department arrives on site."""

    output, _ = run_log(default_scenario)
    requests = acquisition_frame(output)
    for index, info in enumerate(output.resources):
        granted = requests.loc[(requests["resource_index"] == index) & requests["granted"].notna(), "granted"]
        if len(granted):
            assert granted.min() >= info.available_from - 1e-9, info.name


def test_capacity_never_exceeded(default_scenario):
    """At no moment does a resource serve more requests than its capacity."""

    output, _ = run_log(default_scenario, seed=3)
    requests = acquisition_frame(output)
    for index, info in enumerate(output.resources):
        rows = requests[(requests["resource_index"] == index) & requests["granted"].notna()]
        events = sorted([(t, 1) for t in rows["granted"]] + [(t, -1) for t in rows["released_or_horizon"]],
                        key=lambda event: (event[0], event[1]))
        in_use = np.cumsum([delta for _, delta in events]) if events else [0]
        assert max(in_use) <= info.capacity, info.name


def test_resources_taken_in_global_order(default_scenario):
    """Each task requests its resources in increasing global index, so no deadlock can arise."""

    output, _ = run_log(default_scenario)
    requests = acquisition_frame(output)
    for _, rows in requests.groupby("task_id"):
        assert rows["resource_index"].is_monotonic_increasing
        assert rows["resource_index"].is_unique


def test_unfinished_kept_at_short_horizon(default_scenario):
    """Cutting the horizon short keeps the tasks in progress as unfinished rows, with their targets judged."""

    short = replace(default_scenario, horizon=120.0)
    _, log = run_log(short)
    unfinished = log[log["unfinished"]]
    assert len(unfinished) > 0
    assert unfinished["end"].isna().all()
    assert (log.loc[log["end"].notna(), "end"] <= 120.0).all()


def test_priority_served_first(tmp_path):
    """When a team frees up, the waiting task with the lower priority number starts first."""

    scenario = {
        "schema": "hqsim-scenario/1", "name": "优先级", "organisation": "organisation.yaml", "horizon": 100,
        "hq_activation": {"dist": "fixed", "value": 0},
        "departments": {"default": {"staff": 5, "mobilisation": 0}},
        "task_types": [
            {"id": "占用", "group": "测试组", "duration": 10, "priority": 5},
            {"id": "普通", "group": "测试组", "duration": 1, "priority": 5},
            {"id": "紧急", "group": "测试组", "duration": 1, "priority": 1},
        ],
        "injects": [
            {"id": "A", "time": 0, "description": "占用唯一小组", "tasks": ["占用"]},
            {"id": "B", "time": 1, "description": "普通任务先到", "tasks": ["普通"]},
            {"id": "C", "time": 2, "description": "紧急任务后到", "tasks": ["紧急"]},
        ],
    }
    _, log = run_log(load_scenario(write_files(tmp_path, scenario)))
    start = log.set_index("task_type")["start"]
    assert start["紧急"] == pytest.approx(10.0)
    assert start["普通"] == pytest.approx(11.0)


def test_follow_ups_released(tmp_path):
    """A certain follow-up is created when its parent ends; a probability-0 one never is."""

    scenario = {
        "schema": "hqsim-scenario/1", "name": "后续", "organisation": "organisation.yaml", "horizon": 100,
        "hq_activation": 0, "departments": {"default": {"staff": 5, "mobilisation": 0}},
        "groups": {"default": {"teams": 2}},
        "task_types": [
            {"id": "首", "group": "测试组", "duration": 4,
             "follow_ups": [{"task": "次"}, {"task": "从不", "probability": 0.0},
                            {"one_of": [{"task": "甲", "probability": 1.0}, {"task": "乙", "probability": 0.0}]}]},
            {"id": "次", "group": "测试组", "duration": 2},
            {"id": "从不", "group": "测试组", "duration": 2},
            {"id": "甲", "group": "测试组", "duration": 2},
            {"id": "乙", "group": "测试组", "duration": 2},
        ],
        "injects": [{"id": "A", "time": 5, "description": "开始", "tasks": ["首"]}],
    }
    _, log = run_log(load_scenario(write_files(tmp_path, scenario)))
    types = log.set_index("task_type")
    assert sorted(log["task_type"]) == sorted(["首", "次", "甲"])
    assert types.loc["次", "created"] == pytest.approx(9.0)
    assert types.loc["次", "inject_id"] == "A"
    assert types.loc["次", "inject_time"] == pytest.approx(5.0)


def test_target_outcomes(tmp_path):
    """Targets are judged from the chosen reference to the chosen moment; an open deadline is unknown."""

    scenario = {
        "schema": "hqsim-scenario/1", "name": "目标", "organisation": "organisation.yaml", "horizon": 50,
        "hq_activation": 0, "departments": {"default": {"staff": 5, "mobilisation": 0}},
        "targets": [
            {"id": "快", "name": "10分钟内完成", "minutes": 10, "from": "accident", "to": "end"},
            {"id": "慢", "name": "30分钟内完成", "minutes": 30, "from": "inject", "to": "end"},
            {"id": "远", "name": "100分钟内完成", "minutes": 100, "from": "accident", "to": "end"},
        ],
        "task_types": [
            {"id": "甲", "group": "测试组", "duration": 12, "target": "快"},
            {"id": "乙", "group": "测试组", "duration": 12, "target": "慢"},
            {"id": "丙", "group": "测试组", "duration": 80, "target": "远"},
        ],
        "groups": {"default": {"teams": 3}},
        "injects": [{"id": "A", "time": 0, "description": "同时", "tasks": ["甲", "乙", "丙"]}],
    }
    _, log = run_log(load_scenario(write_files(tmp_path, scenario)))
    met = log.set_index("task_type")["target_met"]
    assert bool(met["甲"]) is False
    assert bool(met["乙"]) is True
    assert pd.isna(met["丙"])


def test_unstaffed_department_allowed_stays_unfinished(tmp_path):
    """With allow_unstaffed, tasks needing a department with no staff are kept unfinished, and the run ends."""

    scenario = mmc_scenario(1, 0.1, 1.0, 200)
    scenario["departments"]["牵头局"] = {"staff": 0}
    scenario["allow_unstaffed"] = True
    output, log = run_log(load_scenario(write_files(tmp_path, scenario)))
    assert len(log) > 0
    assert log["unfinished"].all()
    assert (log["longest_wait_resource"] == "牵头局").all()


def test_stream_rates_piecewise(tmp_path):
    """A stream with rate 6/h for 5 h then 30/h for 5 h creates about 30 then 150 tasks (Poisson means)."""

    scenario = mmc_scenario(5, 0.1, 0.5, 600)
    scenario["streams"][0]["rates"] = [{"from": 0, "per_hour": 6}, {"from": "05:00", "per_hour": 30}]
    loaded = load_scenario(write_files(tmp_path, scenario))
    early, late = [], []
    for replication in range(40):
        _, log = run_log(loaded, seed=1, replication=replication)
        early.append((log["created"] < 300).sum())
        late.append((log["created"] >= 300).sum())
    # Poisson counts: mean 30 and 150; the mean of 40 counts has sd sqrt(mean/40).
    assert abs(np.mean(early) - 30) < 4 * np.sqrt(30 / 40)
    assert abs(np.mean(late) - 150) < 4 * np.sqrt(150 / 40)


def test_staffing_options_same_accident(default_scenario):
    """Two staffing options see the same accident: activation, arrivals on site and enquiry arrivals match."""

    base = default_scenario.with_staffing("基准")
    other = default_scenario.with_staffing("加强区政府")
    first, first_log = run_log(base, seed=21)
    second, second_log = run_log(other, seed=21)
    assert first.activation_time == second.activation_time
    assert [info.available_from for info in first.resources] == [info.available_from for info in second.resources]
    first_streams = first_log[first_log["origin"] == "stream"].groupby("inject_id")["inject_time"].first()
    second_streams = second_log[second_log["origin"] == "stream"].groupby("inject_id")["inject_time"].first()
    pd.testing.assert_series_equal(first_streams, second_streams)
