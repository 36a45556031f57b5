"""Tests for the result charts in sim.figures and the font set-up in sim.fonts.

The inputs are small synthetic tables in the shapes that the simulation
writes, with real Chinese department and group names, so that a missing CJK
glyph shows up as a matplotlib warning.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

import pylopdf_fonts_zh_cn
from sim import fonts
from sim.figures import (
    GANTT_BAR_GID_PREFIX,
    HIGH_UTILISATION_PERCENT,
    NO_DATA_TEXT,
    gantt_figure,
    save_figure,
    targets_figure,
    utilisation_by_department_figure,
    utilisation_over_time_figure,
    waiting_by_department_figure,
)
from sim.fonts import SYSTEM_FALLBACK_FAMILIES, configure_matplotlib

HORIZON = 600.0
GROUP_ORDER = ["综合协调组", "技术专家组", "抢险救灾组", "舆情新闻信息组"]
DEPARTMENTS = [
    "市安全监管局",
    "事发区政府（新区管委会）",
    "市公安局",
    "市应急办",
    "市委宣传部（市政府新闻办）",
    "市卫生计生委",
    "事发企业",
    "市消防救援支队",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- synthetic inputs ---------------------------------------------------------


def _task(replication, task_id, group, origin, created, start, end, target_met, **extra):
    row = {
        "replication": replication,
        "task_id": task_id,
        "task_type": "指令接收与转发" if origin == "relay" else "火灾扑救",
        "group": group,
        "group_number": GROUP_ORDER.index(group) + 1 if group in GROUP_ORDER else 99,
        "lead_department": "市安全监管局",
        "origin": origin,
        "inject_id": "I01" if origin in ("inject", "relay") else None,
        "inject_time": 0.0 if origin in ("inject", "relay") else np.nan,
        "created": created,
        "start": start,
        "end": end,
        "wait": (start if not np.isnan(start) else HORIZON) - created,
        "longest_wait_resource": "市应急办",
        "response_delay": 5.0,
        "target_id": "单位一小时报告" if target_met is not pd.NA else None,
        "target_minutes": 60.0,
        "target_met": target_met,
        "unfinished": np.isnan(end),
        "priority": 1,
    }
    row.update(extra)
    return row


def make_task_log() -> pd.DataFrame:
    """Build two replications; replication 1 has 7 started tasks, replication 2 has 3."""
    nan = np.nan
    rows = [
        # Replication 1: concurrent tasks in 综合协调组 need separate lanes.
        _task(1, 1, "综合协调组", "relay", 0, 10, 40, True),
        _task(1, 2, "综合协调组", "inject", 5, 15, 90, False),
        _task(1, 3, "综合协调组", "stream", 20, 45, 70, pd.NA),
        _task(1, 4, "抢险救灾组", "inject", 0, 30, 200, True),
        _task(1, 5, "抢险救灾组", "follow_up", 200, 220, nan, pd.NA),  # unfinished
        _task(1, 6, "舆情新闻信息组", "stream", 100, 130, 160, False),
        _task(1, 7, "舆情新闻信息组", "stream", 300, nan, nan, False),  # never started
        # A group missing from GROUP_ORDER still gets a row.
        _task(1, 8, "后勤保障组", "follow_up", 50, 60, 120, pd.NA),
        # Replication 2.
        _task(2, 9, "综合协调组", "relay", 0, 5, 20, True),
        _task(2, 10, "抢险救灾组", "inject", 0, 12, 100, True),
        _task(2, 11, "抢险救灾组", "inject", 10, 12, nan, pd.NA),
    ]
    task_log = pd.DataFrame(rows)
    task_log["target_met"] = task_log["target_met"].astype("boolean")
    return task_log


def make_resources() -> pd.DataFrame:
    """Build a resources summary with 8 departments and 2 groups, in no sorted order."""
    rows = []
    waits = [120.0, 480.0, 30.0, 300.0, 15.0, 250.0, 90.0, 600.0]
    utilisations = [0.45, 0.92, 0.10, 0.81, 0.33, 0.60, 0.75, 0.20]
    for name, wait, utilisation in zip(DEPARTMENTS, waits, utilisations):
        rows.append(_resource_row(name, "department", wait, utilisation))
    # Groups cause the most waiting here, so a chart that does not filter to
    # departments would put them at the top.
    rows.append(_resource_row("综合协调组", "group", 5000.0, 0.99))
    rows.append(_resource_row("抢险救灾组", "group", 4000.0, 0.95))
    return pd.DataFrame(rows)


def _resource_row(name: str, kind: str, wait: float, utilisation: float) -> dict:
    return {
        "resource": name,
        "kind": kind,
        "capacity": 3,
        "utilisation_mean": utilisation,
        "utilisation_low": max(utilisation - 0.05, 0.0),
        "utilisation_high": min(utilisation + 0.05, 1.0),
        "wait_caused_mean": wait,
        "wait_caused_low": wait * 0.8,
        "wait_caused_high": wait * 1.25,
        "wait_p50": 5.0,
        "wait_p90": 30.0,
        "wait_p95": 45.0,
        "tasks_served_mean": 12.0,
    }


def make_queue_ts() -> pd.DataFrame:
    """Build 30-minute bins for every department, with mean utilisation rising by department index."""
    rows = []
    for index, name in enumerate(DEPARTMENTS):
        for time in np.arange(0.0, HORIZON, 30.0):
            capacity = 4
            rows.append({
                "resource": name,
                "kind": "department",
                "time": time,
                "queue_mean": index * 0.2,
                "in_use_mean": capacity * (index + 1) / (len(DEPARTMENTS) + 1),
                "capacity": capacity,
            })
    rows.append({
        "resource": "综合协调组", "kind": "group", "time": 0.0, "queue_mean": 3.0,
        "in_use_mean": 1.0, "capacity": 1,
    })
    return pd.DataFrame(rows)


def make_targets_summary() -> pd.DataFrame:
    return pd.DataFrame([
        {
            "target_id": "单位一小时报告", "name": "事发单位负责人1小时内报告", "minutes": 60,
            "met_share_mean": 0.82, "met_share_low": 0.70, "met_share_high": 0.91,
            "measured_mean": 41.0, "n_tasks_mean": 1.0,
        },
        {
            "target_id": "区政府两小时上报", "name": "事发区政府2小时内上报市政府", "minutes": 120,
            "met_share_mean": 0.40, "met_share_low": 0.25, "met_share_high": 0.55,
            "measured_mean": 130.0, "n_tasks_mean": 2.5,
        },
        {
            "target_id": "首次新闻发布", "name": "首次新闻发布", "minutes": 300,
            "met_share_mean": np.nan, "met_share_low": np.nan, "met_share_high": np.nan,
            "measured_mean": np.nan, "n_tasks_mean": 0.0,
        },
    ])


FIGURE_BUILDERS = {
    "gantt": lambda: gantt_figure(make_task_log(), GROUP_ORDER, HORIZON),
    "waiting_by_department": lambda: waiting_by_department_figure(make_resources()),
    "utilisation_by_department": lambda: utilisation_by_department_figure(make_resources()),
    "utilisation_over_time": lambda: utilisation_over_time_figure(make_queue_ts()),
    "targets": lambda: targets_figure(make_targets_summary()),
}

EMPTY_BUILDERS = {
    "gantt": lambda table: gantt_figure(table, GROUP_ORDER, HORIZON),
    "waiting_by_department": waiting_by_department_figure,
    "utilisation_by_department": utilisation_by_department_figure,
    "utilisation_over_time": utilisation_over_time_figure,
    "targets": targets_figure,
}


# --- helpers --------------------------------------------------------------------


def _missing_glyph_messages(records) -> list[str]:
    return [str(record.message) for record in records if "missing from font" in str(record.message)]


def _texts(fig: Figure) -> list[str]:
    return [text.get_text() for text in fig.findobj(Text)]


def _bars_with_prefix(fig: Figure, prefix: str):
    return [
        patch
        for ax in fig.axes
        for patch in ax.patches
        if (patch.get_gid() or "").startswith(prefix)
    ]


def _assert_valid_png(path: Path) -> None:
    assert path.is_file()
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        width, height = image.size
    assert 300 <= width <= 6000, f"PNG width {width} px is outside 300..6000"
    assert 200 <= height <= 6000, f"PNG height {height} px is outside 200..6000"


# --- fonts -------------------------------------------------------------------------


def test_configured_font_resolves_to_noto_sans_sc():
    """The family returned by configure_matplotlib, and the sans-serif default, resolve to the packaged Noto Sans SC file."""
    family = configure_matplotlib()

    by_family = font_manager.findfont(font_manager.FontProperties(family=[family]))
    by_default = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))

    assert "NotoSansSC" in Path(by_family).name
    assert "NotoSansSC" in Path(by_default).name


def test_configure_matplotlib_sets_rc_params():
    """The font family comes first in font.sans-serif, followed by the system fallbacks, and unicode_minus is off."""
    family = configure_matplotlib()

    sans_serif = matplotlib.rcParams["font.sans-serif"]
    assert sans_serif[0] == family
    assert sans_serif[1:] == [name for name in SYSTEM_FALLBACK_FAMILIES if name != family]
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_configure_matplotlib_is_idempotent():
    """A second call returns the same family and does not register the font again."""
    first = configure_matplotlib()
    font_count = len(font_manager.fontManager.ttflist)

    second = configure_matplotlib()

    assert second == first
    assert len(font_manager.fontManager.ttflist) == font_count


def test_configure_matplotlib_reapplies_after_reset():
    """After rcParams are reset to defaults, the next call puts the Chinese font first again."""
    family = configure_matplotlib()
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        assert matplotlib.rcParams["font.sans-serif"][0] != family

        assert configure_matplotlib() == family
        assert matplotlib.rcParams["font.sans-serif"][0] == family


def test_configure_matplotlib_falls_back_without_package_font(monkeypatch, caplog, tmp_path):
    """A missing package font logs a warning and a system fallback family is used instead."""
    missing_path = tmp_path / "NotoSansSC-Regular.otf"
    monkeypatch.setattr(pylopdf_fonts_zh_cn, "sans_path", lambda: missing_path)
    monkeypatch.setattr(fonts, "_configured_family", None)

    with matplotlib.rc_context(), caplog.at_level(logging.WARNING, logger="sim.fonts"):
        family = configure_matplotlib()
        sans_serif = list(matplotlib.rcParams["font.sans-serif"])

    assert family in SYSTEM_FALLBACK_FAMILIES
    assert sans_serif[0] == family
    assert any(str(missing_path) in record.getMessage() for record in caplog.records)


# --- every figure ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIGURE_BUILDERS))
def test_figure_saves_valid_png(name, tmp_path):
    """Every figure saves as a valid PNG of sensible size without any missing-glyph warning."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        fig = FIGURE_BUILDERS[name]()
        path = save_figure(fig, tmp_path / "nested" / f"{name}.png")

    assert isinstance(fig, Figure)
    _assert_valid_png(path)
    assert _missing_glyph_messages(records) == []


def test_figures_emit_no_missing_glyph_warning(recwarn, tmp_path):
    """Rendering all figures, filled and empty, raises no "missing from font" warning seen by pytest."""
    warnings.simplefilter("always")
    for name, build in FIGURE_BUILDERS.items():
        save_figure(build(), tmp_path / f"{name}.png")
    for name, build in EMPTY_BUILDERS.items():
        save_figure(build(pd.DataFrame()), tmp_path / f"{name}-empty.png")

    assert _missing_glyph_messages(recwarn.list) == []


@pytest.mark.parametrize("name", sorted(EMPTY_BUILDERS))
@pytest.mark.parametrize("table", [None, pd.DataFrame()], ids=["none", "empty"])
def test_empty_input_draws_no_data(name, table, tmp_path):
    """Empty or missing input gives a figure with the centred no-data message instead of an error."""
    fig = EMPTY_BUILDERS[name](table)

    assert NO_DATA_TEXT in _texts(fig)
    _assert_valid_png(save_figure(fig, tmp_path / f"{name}.png"))


@pytest.mark.parametrize(
    ("build", "make_table", "column"),
    [
        (lambda table: gantt_figure(table, GROUP_ORDER, HORIZON), make_task_log, "group"),
        (waiting_by_department_figure, make_resources, "wait_caused_mean"),
        (utilisation_by_department_figure, make_resources, "utilisation_mean"),
        (utilisation_over_time_figure, make_queue_ts, "capacity"),
        (targets_figure, make_targets_summary, "name"),
    ],
    ids=["gantt", "waiting", "utilisation", "utilisation_over_time", "targets"],
)
def test_missing_column_raises(build, make_table, column):
    """A table without a required column raises ValueError naming the column."""
    incomplete = make_table().drop(columns=[column])

    with pytest.raises(ValueError, match=f"missing columns.*'{column}'"):
        build(incomplete)


# --- Gantt chart --------------------------------------------------------------------


def test_gantt_draws_one_bar_per_started_task():
    """Without a replication the smallest one is drawn, with exactly one bar per started task."""
    task_log = make_task_log()
    replication_1 = task_log[task_log["replication"] == 1]
    expected_ids = set(replication_1.loc[replication_1["start"].notna(), "task_id"])

    fig = gantt_figure(task_log, GROUP_ORDER, HORIZON)
    bars = _bars_with_prefix(fig, GANTT_BAR_GID_PREFIX)
    drawn_ids = {int(bar.get_gid().removeprefix(GANTT_BAR_GID_PREFIX)) for bar in bars}

    assert len(bars) == len(expected_ids) == 7
    assert drawn_ids == expected_ids


def test_gantt_draws_requested_replication():
    """An explicit replication draws only that replication's started tasks."""
    fig = gantt_figure(make_task_log(), GROUP_ORDER, HORIZON, replication=2)
    bars = _bars_with_prefix(fig, GANTT_BAR_GID_PREFIX)

    drawn_ids = {int(bar.get_gid().removeprefix(GANTT_BAR_GID_PREFIX)) for bar in bars}

    assert len(bars) == 3
    assert drawn_ids == {9, 10, 11}


def test_gantt_unknown_replication_draws_no_data():
    """A replication that is not in the log draws the no-data message."""
    fig = gantt_figure(make_task_log(), GROUP_ORDER, HORIZON, replication=99)

    assert NO_DATA_TEXT in _texts(fig)


def test_gantt_bars_span_start_to_end_in_hours():
    """A finished task's bar runs from start to end, and an unfinished one to the horizon, in hours."""
    fig = gantt_figure(make_task_log(), GROUP_ORDER, HORIZON)
    bars = {bar.get_gid(): bar for bar in _bars_with_prefix(fig, GANTT_BAR_GID_PREFIX)}

    finished = bars[f"{GANTT_BAR_GID_PREFIX}4"]
    assert finished.get_x() == pytest.approx(30 / 60)
    assert finished.get_x() + finished.get_width() == pytest.approx(200 / 60)

    unfinished = bars[f"{GANTT_BAR_GID_PREFIX}5"]
    assert unfinished.get_x() == pytest.approx(220 / 60)
    assert unfinished.get_x() + unfinished.get_width() == pytest.approx(HORIZON / 60)
    assert unfinished.get_hatch()
    assert not finished.get_hatch()


def test_gantt_marks_missed_targets():
    """Tasks with target_met False get a thick black edge, others keep a thin grey one."""
    fig = gantt_figure(make_task_log(), GROUP_ORDER, HORIZON)
    bars = {bar.get_gid(): bar for bar in _bars_with_prefix(fig, GANTT_BAR_GID_PREFIX)}

    missed = bars[f"{GANTT_BAR_GID_PREFIX}2"]
    met = bars[f"{GANTT_BAR_GID_PREFIX}1"]
    unknown = bars[f"{GANTT_BAR_GID_PREFIX}3"]
    assert missed.get_linewidth() > met.get_linewidth()
    assert missed.get_edgecolor()[:3] == (0.0, 0.0, 0.0)
    assert unknown.get_linewidth() == met.get_linewidth()

    markers = [line for line in fig.axes[0].lines if line.get_gid() == "task-target-missed"]
    assert len(markers) == 1
    # Tasks 2, 6 and the never-started task 7 missed their target.
    assert len(markers[0].get_xdata()) == 3


def test_gantt_overlapping_tasks_get_separate_lanes():
    """Tasks of one group that are open at the same time are drawn in different lanes."""
    fig = gantt_figure(make_task_log(), GROUP_ORDER, HORIZON)
    bars = {bar.get_gid(): bar for bar in _bars_with_prefix(fig, GANTT_BAR_GID_PREFIX)}

    lanes = {bars[f"{GANTT_BAR_GID_PREFIX}{task_id}"].get_y() for task_id in (1, 2, 3)}
    assert len(lanes) == 3


def test_gantt_rows_follow_group_order():
    """Group rows run top to bottom in group_order, then groups found only in the log."""
    fig = gantt_figure(make_task_log(), GROUP_ORDER, HORIZON)
    ax = fig.axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    positions = list(ax.get_yticks())

    assert labels == [*GROUP_ORDER, "后勤保障组"]
    assert positions == sorted(positions)
    assert ax.yaxis_inverted()


def test_gantt_rejects_invalid_horizon():
    """A horizon that is not a positive number raises ValueError."""
    with pytest.raises(ValueError, match="horizon"):
        gantt_figure(make_task_log(), GROUP_ORDER, 0)


# --- resource charts ------------------------------------------------------------------


def test_waiting_bars_descending_from_top():
    """Departments appear largest waiting first, top to bottom, and groups are left out."""
    resources = make_resources()
    fig = waiting_by_department_figure(resources)
    ax = fig.axes[0]
    bars = sorted(_bars_with_prefix(fig, "wait-bar-"), key=lambda bar: bar.get_y())
    widths = [bar.get_width() for bar in bars]
    labels = [label.get_text() for label in ax.get_yticklabels()]

    departments = resources[resources["kind"] == "department"]
    expected = departments.sort_values("wait_caused_mean", ascending=False)["resource"].tolist()
    assert ax.yaxis_inverted()
    assert widths == sorted(widths, reverse=True)
    assert labels == expected
    assert "综合协调组" not in labels


def test_waiting_top_limits_bar_count():
    """top keeps only the departments with the most waiting."""
    fig = waiting_by_department_figure(make_resources(), top=3)
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]

    assert labels == ["市消防救援支队", "事发区政府（新区管委会）", "市应急办"]


def test_waiting_rejects_top_below_one():
    """top below 1 raises ValueError."""
    with pytest.raises(ValueError, match="top"):
        waiting_by_department_figure(make_resources(), top=0)


def test_utilisation_bars_in_percent_with_reference():
    """Utilisation bars are percentages sorted high to low, and a line marks 80%."""
    fig = utilisation_by_department_figure(make_resources())
    ax = fig.axes[0]
    bars = sorted(_bars_with_prefix(fig, "utilisation-bar-"), key=lambda bar: bar.get_y())
    widths = [bar.get_width() for bar in bars]
    vertical_lines = [line for line in ax.lines if list(line.get_xdata()) == [HIGH_UTILISATION_PERCENT] * 2]

    assert widths[0] == pytest.approx(92.0)
    assert widths == sorted(widths, reverse=True)
    assert len(widths) == len(DEPARTMENTS)
    assert len(vertical_lines) == 1


def test_utilisation_over_time_defaults_to_six_busiest():
    """Without a resource list the six most utilised departments are drawn, busiest first."""
    fig = utilisation_over_time_figure(make_queue_ts())
    labels = [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("80%")]

    assert labels == list(reversed(DEPARTMENTS))[:6]


def test_utilisation_over_time_lines_differ_in_grey():
    """Each line differs from the others in line style or marker, so grey prints stay readable."""
    fig = utilisation_over_time_figure(make_queue_ts())
    lines = [line for line in fig.axes[0].lines if not line.get_label().startswith("80%")]
    styles = {(line.get_linestyle(), line.get_marker()) for line in lines}

    assert len(styles) == len(lines)


def test_utilisation_over_time_values_in_percent():
    """A line shows in_use_mean / capacity in percent at the centres of the time bins, in hours."""
    fig = utilisation_over_time_figure(make_queue_ts(), resources=["市安全监管局"])
    line = fig.axes[0].lines[0]

    assert line.get_ydata()[0] == pytest.approx(100 / 9)
    assert line.get_xdata()[0] == pytest.approx(15 / 60)


def test_utilisation_over_time_skips_unknown_resources(caplog):
    """Requested resources missing from the series are skipped with a warning. If none is left, the chart shows no data."""
    with caplog.at_level(logging.WARNING, logger="sim.figures"):
        fig = utilisation_over_time_figure(make_queue_ts(), resources=["市公安局", "不存在的部门"])
    labels = [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("80%")]

    assert labels == ["市公安局"]
    assert any("不存在的部门" in record.getMessage() for record in caplog.records)

    empty = utilisation_over_time_figure(make_queue_ts(), resources=["不存在的部门"])
    assert NO_DATA_TEXT in _texts(empty)


# --- targets chart ----------------------------------------------------------------------


def test_targets_bars_in_percent_in_input_order():
    """Targets keep their input order with shares in percent, and a target without tasks gets a note."""
    fig = targets_figure(make_targets_summary())
    bars = sorted(_bars_with_prefix(fig, "target-bar-"), key=lambda bar: bar.get_y())
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]

    assert [bar.get_gid() for bar in bars] == [
        "target-bar-单位一小时报告", "target-bar-区政府两小时上报", "target-bar-首次新闻发布",
    ]
    assert [bar.get_width() for bar in bars] == pytest.approx([82.0, 40.0, 0.0])
    assert labels[0].startswith("事发单位负责人1小时内报告")
    assert "无任务 no tasks" in _texts(fig)
