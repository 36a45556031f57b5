"""Tables and one chart built from scenario data and result tables for display.

These helpers only select, rename, format and lay out values that the
``sim`` library computed or loaded, and they compute no simulation measures.
Column headings follow the language chosen in the sidebar.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pandas.io.formats.style import Styler

from dashboard.i18n import TEXTS, lang, pick, t
from sim.fonts import configure_matplotlib
from sim.organisation import Organisation
from sim.scenario import Inject, Scenario
from sim.timefmt import format_time

LEAD_STYLE = "background-color: #1f3b57; color: white; font-weight: bold"  # dark: stays dark in grey
COOPERATING_STYLE = "background-color: #d9d9d9; color: black"  # light grey
MISSING = "—"
TIMELINE_TICK_HOURS = (0, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 30, 36, 48, 72, 96, 120, 168)


# ---------------------------------------------------------------- number formats


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: float | None) -> str:
    """Return a share in [0, 1] as a percentage with one decimal, or '—' when it is missing."""

    return MISSING if _missing(value) else f"{value * 100:.1f}%"


def number(value: float | None, digits: int = 1) -> str:
    """Return ``value`` with ``digits`` decimals, or '—' when it is missing."""

    return MISSING if _missing(value) else f"{value:.{digits}f}"


def interval(low: float | None, high: float | None, formatter=number) -> str:
    """Return a confidence interval as 'low – high' using ``formatter``."""

    return f"{formatter(low)} – {formatter(high)}"


def list_separator() -> str:
    """Return the separator between names in a list: '、' in Chinese, ', ' in English."""

    return ", " if lang() == "en" else "、"


def _translate(key: str, fallback: str) -> str:
    return t(key) if key in TEXTS else fallback


def figure_png(figure: Figure) -> bytes:
    """Return ``figure`` as PNG bytes at 150 dpi, the resolution of ``sim.figures.save_figure``."""

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()


# ---------------------------------------------------------------- organisation


def department_label(organisation: Organisation, name: str) -> str:
    """Return the department's English name in English mode, its Chinese name otherwise."""

    try:
        return pick(name, organisation.department(name).name_en)
    except KeyError:
        return name


def group_label(organisation: Organisation, name: str) -> str:
    """Return the group's English name in English mode, its Chinese name otherwise."""

    try:
        return pick(name, organisation.group(name).name_en)
    except KeyError:
        return name


def responsibility_table(organisation: Organisation) -> pd.DataFrame:
    """Return one row per group: number, name, lead department, cooperating departments and duty count."""

    separator = list_separator()
    rows = []
    for group in organisation.groups:
        cooperating = separator.join(department_label(organisation, name) for name in group.cooperating)
        if group.cooperating_note:
            cooperating += group.cooperating_note
        rows.append({
            t("col.number"): group.number,
            t("col.group"): group_label(organisation, group.name),
            t("col.lead"): department_label(organisation, group.lead),
            t("col.cooperating"): cooperating,
            t("col.duties"): len(group.duties),
        })
    return pd.DataFrame(rows)


def role_matrix(organisation: Organisation) -> pd.DataFrame:
    """Return the department × group matrix of roles ('牵头'/'配合' or their English labels).

    Rows are departments, sorted by the number of groups they lead and then
    cooperate in, largest first and in table order on ties. The last two
    columns contain those counts.
    """

    roles = organisation.roles()
    lead_text, cooperating_text = t("role.lead"), t("role.coop")
    columns = [f"{group.number} {group_label(organisation, group.name)}" for group in organisation.groups]
    rows = []
    for order, department in enumerate(organisation.department_names):
        department_roles = roles[department]
        cells = {}
        for column, group in zip(columns, organisation.groups):
            role = department_roles.get(group.name)
            if role == "牵头":
                cells[column] = lead_text
            elif role == "配合":
                cells[column] = cooperating_text
            else:
                cells[column] = ""
        leads = sum(1 for role in department_roles.values() if role == "牵头")
        cooperates = sum(1 for role in department_roles.values() if role == "配合")
        rows.append((-leads, -cooperates, order, department_label(organisation, department), cells, leads,
                     cooperates))
    rows.sort(key=lambda row: row[:3])

    frame = pd.DataFrame(
        [{**cells, t("col.lead_count"): leads, t("col.coop_count"): cooperates}
         for *_, cells, leads, cooperates in rows],
        index=pd.Index([row[3] for row in rows], name=t("col.department")),
    )
    return frame


def style_role_matrix(frame: pd.DataFrame) -> Styler:
    """Return ``frame`` styled so that lead cells are dark and bold and cooperating cells light grey."""

    lead_text, cooperating_text = t("role.lead"), t("role.coop")

    def cell_style(value) -> str:
        if value == lead_text:
            return LEAD_STYLE
        if value == cooperating_text:
            return COOPERATING_STYLE
        return ""

    role_columns = [column for column in frame.columns if column not in (t("col.lead_count"), t("col.coop_count"))]
    return frame.style.map(cell_style, subset=role_columns)


def role_matrix_figure(organisation: Organisation) -> Figure:
    """Draw the department × group matrix of roles as a grid, readable in grey.

    Lead cells are dark with white text, cooperating cells light grey with
    black text. Rows are in the order of :func:`role_matrix`, and each row
    label ends with the department's counts of groups led and cooperated in.
    """

    configure_matplotlib()
    matrix = role_matrix(organisation)
    lead_text, cooperating_text = t("role.lead"), t("role.coop")
    lead_count, cooperating_count = t("col.lead_count"), t("col.coop_count")
    group_columns = [column for column in matrix.columns if column not in (lead_count, cooperating_count)]

    figure = Figure(figsize=(2.4 + 0.85 * len(group_columns), 1.9 + 0.27 * len(matrix)), layout="constrained")
    axes = figure.add_subplot()
    for row, (department, values) in enumerate(matrix.iterrows()):
        for column, group_column in enumerate(group_columns):
            value = values[group_column]
            if value == lead_text:
                face, colour, weight = "#1f3b57", "white", "bold"
            elif value == cooperating_text:
                face, colour, weight = "#d9d9d9", "black", "normal"
            else:
                continue
            axes.add_patch(Rectangle((column, row), 1, 1, facecolor=face, edgecolor="white", linewidth=1))
            axes.text(column + 0.5, row + 0.5, value, ha="center", va="center", color=colour, fontsize=8,
                      fontweight=weight)

    labels = [f"{department}  ({values[lead_count]}·{values[cooperating_count]})"
              for department, values in matrix.iterrows()]
    axes.set_xlim(0, len(group_columns))
    axes.set_ylim(len(matrix), 0)
    axes.set_xticks(np.arange(len(group_columns)) + 0.5, group_columns, rotation=40, ha="left", fontsize=8)
    axes.set_yticks(np.arange(len(matrix)) + 0.5, labels, fontsize=8)
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    axes.set_xticks(np.arange(len(group_columns) + 1), minor=True)
    axes.set_yticks(np.arange(len(matrix) + 1), minor=True)
    axes.grid(which="minor", color="#bdbdbd", linewidth=0.5)
    for spine in axes.spines.values():
        spine.set_visible(False)
    return figure


# ---------------------------------------------------------------- scenario


def groups_reached(scenario: Scenario, inject: Inject) -> list[str]:
    """Return the groups whose task types ``inject`` creates, in organisation order."""

    groups = {scenario.task_types[task].group for task in inject.tasks if task in scenario.task_types}
    return [name for name in scenario.organisation.group_names if name in groups]


def relay_group(scenario: Scenario) -> str | None:
    """Return the group of the relay task type, which first handles every inject, or None."""

    if scenario.relay_task and scenario.relay_task in scenario.task_types:
        return scenario.task_types[scenario.relay_task].group
    return None


def inject_table(scenario: Scenario) -> pd.DataFrame:
    """Return one row per inject: time (HH:MM), id, description, tasks created and groups reached."""

    organisation = scenario.organisation
    separator = list_separator()
    rows = []
    for inject in sorted(scenario.injects, key=lambda item: item.time):
        rows.append({
            t("col.time"): format_time(inject.time),
            t("col.inject"): inject.id,
            t("col.description"): inject.description,
            t("col.tasks"): separator.join(inject.tasks),
            t("col.groups_reached"): separator.join(group_label(organisation, name)
                                                     for name in groups_reached(scenario, inject)),
        })
    return pd.DataFrame(rows)


def targets_table(scenario: Scenario) -> pd.DataFrame:
    """Return one row per time target with its limit, measuring points, source and task types."""

    rows = []
    for target in scenario.targets.values():
        task_types = [task.id for task in scenario.task_types.values() if task.target == target.id]
        rows.append({
            t("col.target_id"): target.id,
            t("col.target"): pick(target.name, target.name_en),
            t("col.minutes"): target.minutes,
            t("col.from"): _translate(f"from.{target.from_}", target.from_),
            t("col.to"): _translate(f"to.{target.to}", target.to),
            t("col.task_types"): list_separator().join(task_types),
            t("col.source"): target.source,
        })
    return pd.DataFrame(rows)


def streams_table(scenario: Scenario) -> pd.DataFrame:
    """Return one row per background stream with its task type and piecewise rates per hour."""

    rows = []
    for stream in scenario.streams:
        rates = "; ".join(f"{format_time(segment.start)}: {segment.per_hour:g}" for segment in stream.rates)
        rows.append({t("col.stream"): stream.id, t("col.task_type"): stream.task, t("col.rates"): rates})
    return pd.DataFrame(rows)


def inject_timeline_figure(scenario: Scenario) -> Figure:
    """Draw the injects over time: one row per group, a dot where an inject reaches the group.

    A filled dot marks a group whose task an inject creates, and a hollow square
    marks the relay group, which first handles every inject. Inject ids run
    along the top. The time axis has a square-root scale, which spreads out
    the crowded first hours. Markers and line styles, not colours, carry the meaning,
    so the chart reads in grey.
    """

    configure_matplotlib()
    organisation = scenario.organisation
    groups = organisation.group_names
    positions = {name: index for index, name in enumerate(groups)}
    relay = relay_group(scenario)
    horizon_hours = scenario.horizon / 60

    figure = Figure(figsize=(11.0, 0.42 * len(groups) + 2.6), layout="constrained")
    axes = figure.add_subplot()
    for index in range(0, len(groups), 2):
        axes.axhspan(index - 0.5, index + 0.5, color="#f0f0f0", zorder=0, linewidth=0)

    for inject in scenario.injects:
        hours = inject.time / 60
        axes.axvline(hours, color="#9a9a9a", linewidth=0.6, zorder=1)
        reached = groups_reached(scenario, inject)
        axes.scatter([hours] * len(reached), [positions[name] for name in reached], s=36, color="#08306b",
                     edgecolor="black", linewidth=0.5, zorder=3)
        if relay and relay not in reached:
            axes.scatter([hours], [positions[relay]], s=30, marker="s", facecolor="white", edgecolor="black",
                         linewidth=0.9, zorder=3)
        axes.annotate(inject.id, (hours, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                      textcoords="offset points", rotation=90, ha="center", va="bottom", fontsize=7)

    axes.set_yticks(np.arange(len(groups)), groups)
    axes.set_ylim(len(groups) - 0.5, -0.5)
    # Injects crowd into the first hours, so the time axis has a square-root scale.
    axes.set_xscale("function", functions=(np.sqrt, np.square))
    axes.set_xlim(0, horizon_hours)
    ticks = [hours for hours in TIMELINE_TICK_HOURS if hours <= horizon_hours]
    axes.set_xticks(ticks, [format_time(hours * 60) for hours in ticks])
    axes.set_xlabel("事故发生后时间（时:分，平方根刻度） Time after accident (h:min, square-root scale)")
    axes.set_title("情景注入时间线 Inject timeline", pad=28)
    axes.grid(axis="x", color="#dddddd", linewidth=0.5)
    handles = [
        Line2D([], [], linestyle="none", marker="o", markersize=6, color="#08306b", markeredgecolor="black",
               label="注入生成该组任务 inject creates a task of the group"),
    ]
    if relay:
        handles.append(Line2D([], [], linestyle="none", marker="s", markersize=6, markerfacecolor="white",
                              markeredgecolor="black", label=f"{relay}转发 relayed by {relay}"))
    handles.append(Line2D([], [], color="#9a9a9a", linewidth=0.6, label="注入时刻 inject time"))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    return figure


# ---------------------------------------------------------------- results


def milestone_table(targets: pd.DataFrame) -> pd.DataFrame:
    """Return the target summary of a study as a display table: limit, measured time and share met."""

    rows = []
    for _, row in targets.iterrows():
        rows.append({
            t("col.target"): pick(row["name"], row.get("name_en")),
            t("col.minutes"): number(row["minutes"], 0),
            t("col.measured"): number(row["measured_mean"]),
            t("col.measured_ci"): interval(row["measured_low"], row["measured_high"]),
            t("col.met_share"): percent(row["met_share_mean"]),
            t("col.met_ci"): interval(row["met_share_low"], row["met_share_high"], percent),
            t("col.tasks_per_rep"): number(row["n_tasks_mean"]),
        })
    return pd.DataFrame(rows)


def bottleneck_table(bottlenecks: pd.DataFrame, organisation: Organisation) -> pd.DataFrame:
    """Return a ranking of resources by the waiting they caused, for display."""

    rows = []
    for _, row in bottlenecks.iterrows():
        name = row["resource"]
        label = department_label(organisation, name) if row["kind"] == "department" else group_label(organisation, name)
        rows.append({
            t("col.rank"): int(row["rank"]),
            t("col.resource"): label,
            t("col.capacity"): int(row["capacity"]),
            t("col.wait_caused"): number(row["wait_caused_mean"]),
            t("col.wait_ci"): interval(row["wait_caused_low"], row["wait_caused_high"]),
            t("col.utilisation"): percent(row["utilisation_mean"]),
            t("col.wait_p90"): number(row["wait_p90"]),
        })
    return pd.DataFrame(rows)
