"""Charts of simulation results for reports and the dashboard.

Each public function takes one of the result tables (task log, resources
summary, queue time series, targets summary) as a pandas DataFrame and returns
a ``matplotlib.figure.Figure``. The figures are built without pyplot, so they
hold no global state and can be drawn from several Streamlit threads at once.
Labels are Chinese first with English beside them. Colours differ in
lightness, and hatching, edge colours, line styles and markers carry the
categories, so the charts stay readable when printed in grey. Empty input
gives a figure with a centred "无数据 No data" message instead of an error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.fonts import configure_matplotlib

logger = logging.getLogger(__name__)

NO_DATA_TEXT = "无数据 No data"

# The CIE L* lightness of each colour is noted beside it: categories that
# must stay apart in grey differ by about 20.
ORIGIN_STYLES: dict[str, tuple[str, str]] = {
    "inject": ("情景注入 inject", "#08306b"),  # L* 21
    "relay": ("指令转发 relay", "#c0392b"),  # L* 45
    "stream": ("持续任务流 stream", "#e08214"),  # L* 63
    "follow_up": ("后续任务 follow-up", "#c6dbef"),  # L* 86
}
UNKNOWN_ORIGIN_COLOUR = "#7a7a7a"  # L* 51

# Line colours with L* 21, 32, 44, 55, 68 and 74. Line styles and markers
# cycle with other lengths, so any two of the first six series differ in
# colour, marker and mostly line style too.
LINE_COLOURS = ["#08306b", "#762a83", "#1b7837", "#d95f02", "#5ab4ac", "#e6ab02"]
LINE_STYLES = ["-", "--", "-.", ":"]
LINE_MARKERS = ["o", "s", "^", "D", "v", "X", "P"]

BAR_COLOUR = "#2c5d8f"  # L* 38
BAR_LIGHT_COLOUR = "#9ecae1"  # L* 79
EDGE_COLOUR = "#1a1a1a"
ERROR_BAR_STYLE = {"ecolor": "black", "elinewidth": 1.0, "capsize": 3}

HIGH_UTILISATION_PERCENT = 80.0

# Gantt layout. A group row gets one lane per concurrently open task, up to
# this cap. Beyond it, tasks share the lane that frees up first.
MAX_LANES_PER_GROUP = 12
LANE_BAR_HEIGHT = 0.72
GROUP_GAP = 0.8
GANTT_BAR_GID_PREFIX = "task-bar-"

TASK_LOG_COLUMNS = [
    "replication", "task_id", "group", "origin", "created", "start", "end",
    "target_met", "unfinished",
]
RESOURCE_COLUMNS = [
    "resource", "kind", "utilisation_mean", "utilisation_low", "utilisation_high",
    "wait_caused_mean", "wait_caused_low", "wait_caused_high",
]
QUEUE_COLUMNS = ["resource", "kind", "time", "in_use_mean", "capacity"]
TARGET_COLUMNS = [
    "target_id", "name", "minutes", "met_share_mean", "met_share_low",
    "met_share_high", "measured_mean", "n_tasks_mean",
]


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` as a PNG at 150 dpi, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=150, bbox_inches="tight")
    return path


# --- shared helpers ----------------------------------------------------------


def _is_empty(table: pd.DataFrame | None) -> bool:
    return table is None or table.empty


def _require_columns(table: pd.DataFrame, columns: Iterable[str], table_name: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(
            f"{table_name} is missing columns {missing}; "
            f"it has columns {list(table.columns)}."
        )


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _draw_no_data(ax: Axes, detail: str | None = None) -> None:
    """Replace the contents of ``ax`` with a centred no-data message."""
    ax.set_axis_off()
    ax.text(
        0.5, 0.5, NO_DATA_TEXT, transform=ax.transAxes, ha="center", va="center",
        fontsize=16, color="#404040", gid="no-data",
    )
    if detail:
        ax.text(
            0.5, 0.36, detail, transform=ax.transAxes, ha="center", va="center",
            fontsize=10, color="#404040",
        )


def _no_data_figure(title: str, detail: str | None = None) -> Figure:
    fig = _new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    ax.set_title(title)
    _draw_no_data(ax, detail)
    return fig


def _ci_errors(mean: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray:
    """Return a 2×n array of error-bar lengths below and above ``mean``.

    Missing bounds give zero length, and bounds on the wrong side of the mean
    (from rounding) are clipped to zero, because matplotlib rejects negative
    lengths.
    """
    mean_values = mean.to_numpy(dtype=float)
    below = mean_values - low.to_numpy(dtype=float)
    above = high.to_numpy(dtype=float) - mean_values
    errors = np.vstack([below, above])
    errors = np.nan_to_num(errors, nan=0.0)
    return np.clip(errors, 0.0, None)


def _bar_figure_height(n_bars: int) -> float:
    return min(max(2.2 + 0.34 * n_bars, 3.0), 16.0)


def _format_minutes(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _lighten(colour: str, amount: float) -> tuple[float, float, float]:
    """Mix ``colour`` with white. An ``amount`` of 0 keeps the colour and 1 gives white."""
    red, green, blue = to_rgb(colour)
    return (
        red + (1 - red) * amount,
        green + (1 - green) * amount,
        blue + (1 - blue) * amount,
    )


# --- Gantt chart --------------------------------------------------------------


def _pack_lanes(starts: Sequence[float], ends: Sequence[float], max_lanes: int) -> list[int]:
    """Assign intervals, sorted by start, to lanes so that a lane's intervals do not overlap.

    Each interval goes to the lowest-numbered lane that is free at its start.
    When all ``max_lanes`` lanes are busy, it goes to the lane that frees up
    first and overlaps the interval there.
    """
    lane_ends: list[float] = []
    lanes: list[int] = []
    for start, end in zip(starts, ends):
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None and len(lane_ends) < max_lanes:
            lane = len(lane_ends)
            lane_ends.append(end)
        elif lane is None:
            lane = min(range(len(lane_ends)), key=lane_ends.__getitem__)
        lane_ends[lane] = max(lane_ends[lane], end)
        lanes.append(lane)
    return lanes


@dataclass
class _GanttRow:
    group: str
    top: float
    n_lanes: int

    @property
    def centre(self) -> float:
        return self.top + self.n_lanes / 2


def _gantt_prepare(tasks: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Add the drawing columns: clipped times in hours, flags and missed targets."""
    tasks = tasks.copy()
    started = tasks["start"].notna()
    unfinished = tasks["unfinished"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    open_end = tasks["end"].isna() | unfinished

    tasks["_started"] = started
    tasks["_open"] = open_end
    tasks["_missed"] = (
        tasks["target_met"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)
    )
    created = tasks["created"].clip(upper=horizon)
    start = tasks["start"].where(started, horizon).clip(upper=horizon)
    end = tasks["end"].where(~open_end, horizon).clip(upper=horizon)
    tasks["_created_h"] = created / 60
    tasks["_start_h"] = start / 60
    tasks["_end_h"] = end.where(started, start) / 60
    return tasks


def _gantt_layout(tasks: pd.DataFrame, groups: list[str]) -> list[_GanttRow]:
    """Give every task a lane and a ``_y`` position, and return one row per group, top first."""
    rows: list[_GanttRow] = []
    tasks["_y"] = np.nan
    top = 0.0
    for group in groups:
        in_group = tasks.index[tasks["group"] == group]
        ordered = tasks.loc[in_group].sort_values(["_created_h", "_start_h", "task_id"])
        # A task occupies its lane from creation, so its waiting line and bar
        # cross no other task's unless the group exceeds MAX_LANES_PER_GROUP.
        lanes = _pack_lanes(
            ordered["_created_h"].tolist(), ordered["_end_h"].tolist(), MAX_LANES_PER_GROUP
        )
        n_lanes = max(lanes, default=0) + 1
        tasks.loc[ordered.index, "_y"] = top + np.asarray(lanes, dtype=float) + 0.5
        rows.append(_GanttRow(group=group, top=top, n_lanes=n_lanes))
        top += n_lanes + GROUP_GAP
    return rows


def _gantt_draw_bars(ax: Axes, tasks: pd.DataFrame) -> int:
    """Draw one bar per started task and return the number of bars drawn."""
    started = tasks[tasks["_started"]]
    n_bars = 0
    for (origin, is_open, missed), batch in started.groupby(
        ["origin", "_open", "_missed"], sort=False, dropna=False
    ):
        _, colour = ORIGIN_STYLES.get(origin, (str(origin), UNKNOWN_ORIGIN_COLOUR))
        style = {
            "color": _lighten(colour, 0.55) if is_open else colour,
            "hatch": "////" if is_open else None,
            "edgecolor": "black" if missed else "#4d4d4d",
            "linewidth": 1.4 if missed else 0.4,
        }
        container = ax.barh(
            batch["_y"], batch["_end_h"] - batch["_start_h"], left=batch["_start_h"],
            height=LANE_BAR_HEIGHT, zorder=3, **style,
        )
        for rectangle, task_id in zip(container.patches, batch["task_id"]):
            rectangle.set_gid(f"{GANTT_BAR_GID_PREFIX}{task_id}")
        n_bars += len(container.patches)
    return n_bars


def _gantt_draw_waiting(ax: Axes, tasks: pd.DataFrame) -> None:
    waited = tasks[tasks["_start_h"] > tasks["_created_h"]]
    for never_started, batch in waited.groupby(~waited["_started"]):
        segments = [
            [(created, y), (start, y)]
            for created, start, y in zip(batch["_created_h"], batch["_start_h"], batch["_y"])
        ]
        ax.add_collection(LineCollection(
            segments, colors="#333333", linewidths=0.9, zorder=2,
            linestyles=":" if never_started else "-",
            gid="task-waiting-never-started" if never_started else "task-waiting",
        ))


def _gantt_draw_missed_markers(ax: Axes, tasks: pd.DataFrame) -> None:
    missed = tasks[tasks["_missed"]]
    if missed.empty:
        return
    ax.plot(
        missed["_end_h"], missed["_y"], linestyle="none", marker="x", markersize=5,
        markeredgewidth=1.4, color="black", zorder=4, gid="task-target-missed",
        clip_on=False,  # markers at the horizon would otherwise be cut in half
    )


def _gantt_legend_handles(tasks: pd.DataFrame) -> list:
    handles: list = []
    origins_present = list(dict.fromkeys(tasks.loc[tasks["_started"], "origin"]))
    known = [origin for origin in ORIGIN_STYLES if origin in origins_present]
    unknown = [origin for origin in origins_present if origin not in ORIGIN_STYLES]
    for origin in known + unknown:
        label, colour = ORIGIN_STYLES.get(origin, (str(origin), UNKNOWN_ORIGIN_COLOUR))
        handles.append(Patch(facecolor=colour, edgecolor="#4d4d4d", linewidth=0.4, label=label))

    if (tasks["_started"] & tasks["_open"]).any():
        handles.append(Patch(
            facecolor=_lighten("#7a7a7a", 0.55), hatch="////", edgecolor="#4d4d4d",
            linewidth=0.4, label="未完成 unfinished",
        ))
    if (tasks["_started"] & (tasks["_start_h"] > tasks["_created_h"])).any():
        handles.append(Line2D([], [], color="#333333", linewidth=0.9, label="等待 waiting"))
    if (~tasks["_started"]).any():
        handles.append(Line2D(
            [], [], color="#333333", linewidth=0.9, linestyle=":",
            label="未开始（等待至结束） never started",
        ))
    if tasks["_missed"].any():
        handles.append(Line2D(
            [], [], color="black", linestyle="none", marker="x", markersize=6,
            markeredgewidth=1.4, label="未达时限目标 target missed",
        ))
    return handles


def gantt_figure(
    task_log: pd.DataFrame | None,
    group_order: list[str],
    horizon: float,
    replication: int | None = None,
) -> Figure:
    """Draw the tasks of one replication as a Gantt chart with one row per group.

    ``replication`` defaults to the smallest replication number in the log.
    Groups appear top to bottom in ``group_order``, followed by any other
    groups found in the log. Each started task is a bar from start to end; a
    task unfinished at ``horizon`` (minutes) is drawn to the horizon, lighter
    and hatched. A line from creation to start shows waiting, dotted when the
    task never started. Tasks that missed their time target get a black edge
    and an "x" at their end. Overlapping tasks of a group are stacked into
    lanes (at most ``MAX_LANES_PER_GROUP``).

    Each bar's gid is ``GANTT_BAR_GID_PREFIX`` followed by its task id.

    Raises:
        ValueError: ``horizon`` is not a positive number, or a column is missing.
    """
    configure_matplotlib()
    if not (isinstance(horizon, (int, float)) and math.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon must be a positive number of minutes, got {horizon!r}.")

    title = "各工作组任务甘特图 Tasks by group"
    if _is_empty(task_log):
        return _no_data_figure(title)
    _require_columns(task_log, TASK_LOG_COLUMNS, "task_log")

    if replication is None:
        replication = int(task_log["replication"].min())
    title = f"各工作组任务甘特图（第 {replication} 次重复） Tasks by group, replication {replication}"
    tasks = task_log[task_log["replication"] == replication]
    if tasks.empty:
        return _no_data_figure(
            title, f"任务日志中没有第 {replication} 次重复 Replication not in task log"
        )

    extra_groups = sorted(set(tasks["group"]) - set(group_order))
    groups = list(dict.fromkeys(group_order)) + extra_groups
    tasks = _gantt_prepare(tasks, horizon)
    rows = _gantt_layout(tasks, groups)
    total_height = rows[-1].top + rows[-1].n_lanes

    fig = _new_figure(11.0, min(max(1.6 + 0.2 * total_height, 3.5), 18.0))
    ax = fig.add_subplot()
    for index, row in enumerate(rows):
        if index % 2 == 0:
            ax.axhspan(
                row.top - GROUP_GAP / 2, row.top + row.n_lanes + GROUP_GAP / 2,
                color="#f0f0f0", zorder=0, linewidth=0,
            )

    _gantt_draw_waiting(ax, tasks)
    _gantt_draw_bars(ax, tasks)
    _gantt_draw_missed_markers(ax, tasks)

    ax.set_yticks([row.centre for row in rows], [row.group for row in rows])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(total_height + GROUP_GAP / 2, -GROUP_GAP / 2)
    ax.set_xlim(0, horizon / 60)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=15, steps=[1, 2, 3, 6, 10]))
    ax.grid(axis="x", color="#cccccc", linewidth=0.6, zorder=1)
    ax.set_axisbelow(True)
    ax.set_xlabel("事故发生后时间（小时） Time after accident (h)")
    ax.set_title(title)

    handles = _gantt_legend_handles(tasks)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4),
                   frameon=False)
    return fig


# --- resource charts ------------------------------------------------------------


def _departments(resources: pd.DataFrame) -> pd.DataFrame:
    return resources[resources["kind"] == "department"]


def waiting_by_department_figure(resources: pd.DataFrame | None, top: int = 15) -> Figure:
    """Draw the waiting each department caused per replication, largest at the top.

    Shows the ``top`` departments by ``wait_caused_mean`` with 95% confidence
    intervals as error bars. Departments without a mean are left out.

    Raises:
        ValueError: ``top`` is less than 1, or a column is missing.
    """
    configure_matplotlib()
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}.")

    title = "各部门造成的等待时间 Waiting caused by department"
    if _is_empty(resources):
        return _no_data_figure(title)
    _require_columns(resources, RESOURCE_COLUMNS, "resources")

    departments = _departments(resources).dropna(subset=["wait_caused_mean"])
    if departments.empty:
        return _no_data_figure(title)
    ranked = departments.sort_values("wait_caused_mean", ascending=False, kind="stable")
    top_departments = ranked.head(top)
    if len(ranked) > top:
        title += f"\n前 {top} 个部门（共 {len(ranked)} 个） Top {top} of {len(ranked)}"

    fig = _new_figure(8.5, _bar_figure_height(len(top_departments)))
    ax = fig.add_subplot()
    positions = np.arange(len(top_departments))
    means = top_departments["wait_caused_mean"].to_numpy(dtype=float)
    errors = _ci_errors(top_departments["wait_caused_mean"], top_departments["wait_caused_low"],
                        top_departments["wait_caused_high"])
    bars = ax.barh(
        positions, means, xerr=errors, color=BAR_COLOUR, edgecolor=EDGE_COLOUR,
        linewidth=0.5, error_kw=ERROR_BAR_STYLE, zorder=3,
    )
    for rectangle, resource in zip(bars.patches, top_departments["resource"]):
        rectangle.set_gid(f"wait-bar-{resource}")

    label_x = means + errors[1]
    x_max = float(np.nanmax(label_x)) if len(label_x) else 0.0
    for y, x, mean in zip(positions, label_x, means):
        ax.text(x + x_max * 0.01, y, f" {_format_minutes(mean)}", va="center", fontsize=9)

    ax.set_yticks(positions, top_departments["resource"].tolist())
    ax.invert_yaxis()
    ax.set_xlim(0, x_max * 1.15 if x_max > 0 else 1.0)
    ax.grid(axis="x", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("每次重复造成的等待时间（分钟） Waiting caused per replication (min)")
    ax.set_title(title)
    ax.legend(
        [bars.patches[0], bars.errorbar], ["平均值 mean", "95% 置信区间 95% CI"],
        loc="lower right", frameon=True,
    )
    return fig


def utilisation_by_department_figure(resources: pd.DataFrame | None) -> Figure:
    """Draw each department's mean utilisation (%) with 95% CIs, highest at the top.

    Bars at or above 80% are dark and hatched, and a dashed line marks 80%.

    Raises:
        ValueError: a column is missing.
    """
    configure_matplotlib()
    title = "各部门利用率 Utilisation by department"
    if _is_empty(resources):
        return _no_data_figure(title)
    _require_columns(resources, RESOURCE_COLUMNS, "resources")

    departments = _departments(resources).dropna(subset=["utilisation_mean"])
    if departments.empty:
        return _no_data_figure(title)
    ranked = departments.sort_values("utilisation_mean", ascending=False, kind="stable")

    fig = _new_figure(8.5, _bar_figure_height(len(ranked)))
    ax = fig.add_subplot()
    positions = np.arange(len(ranked))
    percent = ranked["utilisation_mean"].to_numpy(dtype=float) * 100
    errors = _ci_errors(ranked["utilisation_mean"], ranked["utilisation_low"],
                        ranked["utilisation_high"]) * 100
    high = percent >= HIGH_UTILISATION_PERCENT
    bars = ax.barh(
        positions, percent, xerr=errors, color=BAR_LIGHT_COLOUR, edgecolor=EDGE_COLOUR,
        linewidth=0.5, error_kw=ERROR_BAR_STYLE, zorder=3,
    )
    for rectangle, resource, is_high in zip(bars.patches, ranked["resource"], high):
        rectangle.set_gid(f"utilisation-bar-{resource}")
        if is_high:
            rectangle.set_facecolor(BAR_COLOUR)
            rectangle.set_hatch("//")
            rectangle.set_hatchcolor("white")

    label_x = percent + errors[1]
    for y, x, value in zip(positions, label_x, percent):
        # The white box keeps a label readable where it crosses the 80% line.
        ax.text(x + 1, y, f"{value:.0f}%", va="center", fontsize=9, zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})

    reference = ax.axvline(
        HIGH_UTILISATION_PERCENT, color="black", linestyle="--", linewidth=1.0, zorder=4
    )
    ax.set_yticks(positions, ranked["resource"].tolist())
    ax.invert_yaxis()
    ax.set_xlim(0, max(100.0, float(np.nanmax(label_x)) + 10))
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.grid(axis="x", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("利用率（%） Utilisation (%)")
    ax.set_title(title)

    handles = [
        Patch(facecolor=BAR_LIGHT_COLOUR, edgecolor=EDGE_COLOUR, linewidth=0.5,
              label="低于 80% below 80%"),
        Patch(facecolor=BAR_COLOUR, edgecolor=EDGE_COLOUR, linewidth=0.5, hatch="//",
              hatchcolor="white", label="≥80% 高负荷 high load"),
        reference,
        bars.errorbar,
    ]
    labels = [handle.get_label() for handle in handles[:2]] + [
        "80% 参考线 80% reference", "95% 置信区间 95% CI",
    ]
    ax.legend(handles, labels, loc="lower right", frameon=True)
    return fig


def _utilisation_percent(queue_ts: pd.DataFrame) -> pd.Series:
    """Return in-use over capacity (%) per row, NaN where capacity is zero or missing."""
    capacity = queue_ts["capacity"].astype(float)
    return queue_ts["in_use_mean"].astype(float) / capacity.where(capacity > 0) * 100


def _top_utilised_departments(queue_ts: pd.DataFrame, count: int) -> list[str]:
    departments = queue_ts[queue_ts["kind"] == "department"]
    means = departments.groupby("resource", sort=True)["_percent"].mean().dropna()
    return means.sort_values(ascending=False, kind="stable").head(count).index.tolist()


def _bin_centres_hours(times: pd.Series) -> np.ndarray:
    """Return bin centres in hours, taking the bin width as the median step between bin starts."""
    starts = times.to_numpy(dtype=float)
    steps = np.diff(np.unique(starts))
    width = float(np.median(steps)) if len(steps) else 0.0
    return (starts + width / 2) / 60


def utilisation_over_time_figure(
    queue_ts: pd.DataFrame | None, resources: list[str] | None = None
) -> Figure:
    """Draw the utilisation (%) of some resources over time, one line each.

    Utilisation is ``in_use_mean / capacity`` per time bin, drawn at the bin
    centre. ``resources`` defaults to the six departments with the highest
    mean utilisation. Requested resources that are not in ``queue_ts`` are
    skipped with a logged warning.

    Raises:
        ValueError: a column is missing.
    """
    configure_matplotlib()
    title = "资源利用率随时间变化 Utilisation over time"
    if _is_empty(queue_ts):
        return _no_data_figure(title)
    _require_columns(queue_ts, QUEUE_COLUMNS, "queue_ts")

    queue_ts = queue_ts.assign(_percent=_utilisation_percent(queue_ts))
    if resources is None:
        chosen = _top_utilised_departments(queue_ts, 6)
    else:
        known = set(queue_ts["resource"])
        missing = [resource for resource in resources if resource not in known]
        if missing:
            logger.warning("Resources not found in the queue time series, skipped: %s", missing)
        chosen = [resource for resource in dict.fromkeys(resources) if resource in known]
    if not chosen:
        return _no_data_figure(title)

    fig = _new_figure(10.0, 5.2)
    ax = fig.add_subplot()
    y_max = 100.0
    for index, resource in enumerate(chosen):
        series = queue_ts[queue_ts["resource"] == resource].sort_values("time")
        hours = _bin_centres_hours(series["time"])
        percent = series["_percent"].to_numpy(dtype=float)
        if np.isfinite(percent).any():
            y_max = max(y_max, float(np.nanmax(percent)))
        ax.plot(
            hours, percent, label=resource,
            color=LINE_COLOURS[index % len(LINE_COLOURS)],
            linestyle=LINE_STYLES[index % len(LINE_STYLES)],
            marker=LINE_MARKERS[index % len(LINE_MARKERS)],
            markersize=5, markevery=max(1, len(hours) // 12), linewidth=1.6,
            markerfacecolor="white" if index % 2 else None,
        )

    ax.axhline(HIGH_UTILISATION_PERCENT, color="#666666", linestyle=(0, (1, 2)), linewidth=1.0,
               label="80% 参考线 80% reference")
    ax.set_ylim(0, y_max * 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=15, steps=[1, 2, 3, 6, 10]))
    ax.set_xlim(left=0)
    ax.grid(color="#dddddd", linewidth=0.6)
    ax.set_xlabel("事故发生后时间（小时） Time after accident (h)")
    ax.set_ylabel("利用率（%） Utilisation (%)")
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncols=min(len(chosen) + 1, 4), frameon=False)
    return fig


# --- targets chart ----------------------------------------------------------------


def _target_label(row: pd.Series) -> str:
    minutes = row["minutes"]
    measured = row["measured_mean"]
    if pd.isna(measured):
        return f"{row['name']}\n目标 target ≤{minutes:g}（分钟 min）"
    return f"{row['name']}\n目标 target ≤{minutes:g}，均值 mean {measured:.0f}（分钟 min）"


def targets_figure(targets_summary: pd.DataFrame | None) -> Figure:
    """Draw the share of tasks (%) that met each time target, with 95% CIs.

    Targets keep their input order, top to bottom. Each label gives the target
    in minutes and the mean measured time. Each bar is annotated with the
    share and the mean number of tasks per replication (n). A target with no
    measured tasks shows "无任务 no tasks" in place of a bar.

    Raises:
        ValueError: a column is missing.
    """
    configure_matplotlib()
    title = "时限目标达成率 Share of tasks meeting each time target"
    if _is_empty(targets_summary):
        return _no_data_figure(title)
    _require_columns(targets_summary, TARGET_COLUMNS, "targets_summary")

    fig = _new_figure(9.0, _bar_figure_height(len(targets_summary)) + 0.2 * len(targets_summary))
    ax = fig.add_subplot()
    positions = np.arange(len(targets_summary))
    percent = targets_summary["met_share_mean"].to_numpy(dtype=float) * 100
    errors = _ci_errors(targets_summary["met_share_mean"], targets_summary["met_share_low"],
                        targets_summary["met_share_high"]) * 100
    bars = ax.barh(
        positions, np.nan_to_num(percent), xerr=errors, color=BAR_COLOUR,
        edgecolor=EDGE_COLOUR, linewidth=0.5, error_kw=ERROR_BAR_STYLE, zorder=3,
    )
    for rectangle, target_id in zip(bars.patches, targets_summary["target_id"]):
        rectangle.set_gid(f"target-bar-{target_id}")

    for y, value, error, n_tasks in zip(
        positions, percent, errors[1], targets_summary["n_tasks_mean"]
    ):
        if np.isnan(value):
            ax.text(1, y, "无任务 no tasks", va="center", fontsize=9, color="#404040")
            continue
        n_text = f"n={n_tasks:.3g}" if pd.notna(n_tasks) else "n=?"
        ax.text(value + error + 1, y, f"{value:.0f}%  {n_text}", va="center", fontsize=9)

    labels = [_target_label(row) for _, row in targets_summary.iterrows()]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 125)
    ax.set_xticks(np.arange(0, 101, 20))
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.grid(axis="x", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel(
        "达标任务占比（%） Tasks meeting target (%)\n"
        "n：每次重复的平均任务数 mean tasks per replication；"
        "误差线：95% 置信区间 error bars: 95% CI"
    )
    ax.set_title(title)
    return fig
