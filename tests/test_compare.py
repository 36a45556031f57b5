"""Functional tests of option comparison on common random numbers and of the one-more-person ranking."""

from __future__ import annotations

import pytest

from factories import write_files
from sim.compare import Change, candidate_changes, compare_staffing, marginal_staffing, paired_difference
from sim.loader import load_scenario
from sim.stats import mean_ci

TWO_DEPARTMENT_ORGANISATION = {
    "schema": "hqsim-organisation/1",
    "name": "两组测试组织",
    "departments": [{"name": "甲局"}, {"name": "乙局"}, {"name": "丙局"}],
    "groups": [
        {"number": 1, "name": "一组", "duties": [{"number": 1, "text": "处置。"}], "lead": "甲局", "cooperating": ["丙局"]},
        {"number": 2, "name": "二组", "duties": [{"number": 1, "text": "保障。"}], "lead": "乙局", "cooperating": []},
    ],
}


def bottleneck_scenario() -> dict:
    """Return a scenario whose tasks queue for 甲局's single staff member while everything else is ample."""

    return {
        "schema": "hqsim-scenario/1", "name": "瓶颈", "organisation": "organisation.yaml", "horizon": 600,
        "hq_activation": 0,
        "departments": {"default": {"staff": 10, "mobilisation": 0}, "甲局": {"staff": 1}},
        "groups": {"default": {"teams": 10}},
        "targets": [{"id": "快", "name": "15分钟内开始", "minutes": 15, "from": "created", "to": "start"}],
        "task_types": [
            {"id": "处置", "group": "一组", "duration": {"dist": "exponential", "mean": 8}, "target": "快"},
            {"id": "保障", "group": "二组", "duration": {"dist": "exponential", "mean": 8}, "target": "快"},
        ],
        "streams": [
            {"id": "甲", "task": "处置", "rates": [{"from": 0, "per_hour": 6}]},
            {"id": "乙", "task": "保障", "rates": [{"from": 0, "per_hour": 6}]},
        ],
        "staffing": {"基准": {}, "甲局加人": {"departments": {"甲局": {"staff": 2}}},
                     "同基准": {"description": "与基准相同"}},
        "default_staffing": "基准",
    }


@pytest.fixture
def scenario(tmp_path):
    return load_scenario(write_files(tmp_path, bottleneck_scenario(), TWO_DEPARTMENT_ORGANISATION))


def test_identical_option_zero_difference(scenario):
    """An option identical to the baseline differs by exactly zero in every replication (common random numbers)."""

    table = compare_staffing(scenario, ["基准", "同基准"], 5, 3).table()
    same = table[table["option"] == "同基准"]
    assert (same["diff_mean"] == 0).all()
    assert not same["significant"].any()


def test_more_staff_significantly_better(scenario):
    """A second 甲局 staff member significantly cuts the mean wait, and the comparison marks it improved."""

    table = compare_staffing(scenario, ["基准", "甲局加人"], 10, 3).table().set_index(["measure", "option"])
    row = table.loc[("mean_wait", "甲局加人")]
    assert row["diff_high"] < 0
    assert bool(row["significant"])
    assert row["improved"] is True or row["improved"] == True  # noqa: E712 - value from a DataFrame cell


def test_paired_interval_narrower(scenario):
    """On common random numbers the paired interval is narrower than one from independent samples."""

    comparison = compare_staffing(scenario, ["基准", "甲局加人"], 10, 3)
    base = comparison.results["基准"].measures.set_index("replication")["mean_response_delay"]
    more = comparison.results["甲局加人"].measures.set_index("replication")["mean_response_delay"]
    paired = paired_difference(more, base)
    independent = (mean_ci(base).half_width ** 2 + mean_ci(more).half_width ** 2) ** 0.5
    assert paired.half_width < independent


def test_compare_rejects_single_option(scenario):
    """Comparing fewer than two options raises ValueError."""

    with pytest.raises(ValueError):
        compare_staffing(scenario, ["基准"], 3, 1)


def test_candidates_skip_unneeded_departments(scenario):
    """Candidates are every group and every department some task needs; 丙局 is needed by none."""

    changes = candidate_changes(scenario)
    assert Change("department", "甲局") in changes
    assert Change("group", "二组") in changes
    assert Change("department", "丙局") not in changes


def test_marginal_ranks_bottleneck_first(scenario):
    """One more 甲局 staff member, the only bottleneck, ranks first with a significant gain."""

    table = marginal_staffing(scenario, 10, 8)
    assert table.iloc[0]["resource"] == "甲局"
    assert table.iloc[0]["kind"] == "department"
    assert bool(table.iloc[0]["significant"])
    assert table.iloc[0]["delay_delta_high"] < 0
    assert list(table["rank"]) == list(range(1, len(table) + 1))


def test_change_apply_adds_one(scenario):
    """A change adds exactly one staff member or one team and nothing else."""

    more = Change("department", "甲局").apply(scenario)
    assert more.departments["甲局"].staff == scenario.departments["甲局"].staff + 1
    assert more.teams == scenario.teams
    team = Change("group", "一组").apply(scenario)
    assert team.teams["一组"] == scenario.teams["一组"] + 1
