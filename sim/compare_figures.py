"""Charts of option comparisons: paired differences and the one-more-person ranking.

Both charts show a difference from the baseline with its 95% confidence
interval as an error bar, around a vertical zero line. Bars whose interval
excludes zero are dark and the others light and hatched, so significance
reads at a glance in colour and in grey alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.figures import (
    BAR_COLOUR,
    BAR_LIGHT_COLOUR,
    EDGE_COLOUR,
    ERROR_BAR_STYLE,
    _bar_figure_height,
    _ci_errors,
    _new_figure,
    _no_data_figure,
)
from sim.fonts import configure_matplotlib

PANELS = (
    ("targets_met_share", "达标率差值（百分点） Share met, difference (pp)", 100.0),
    ("mean_response_delay", "平均响应延迟差值（分钟） Mean response delay, difference (min)", 1.0),
)


def _significance_legend(ax) -> None:
    ax.legend(
        handles=[
            Patch(facecolor=BAR_COLOUR, edgecolor=EDGE_COLOUR, label="95%置信区间不含0 CI excludes 0"),
            Patch(facecolor=BAR_LIGHT_COLOUR, edgecolor=EDGE_COLOUR, hatch="//", label="不显著 not significant"),
        ],
        loc="best", fontsize=8,
    )


def _difference_bars(ax, labels: list[str], mean, low, high, scale: float, significant) -> None:
    positions = np.arange(len(labels))
    errors = _ci_errors(pd.Series(mean * scale), pd.Series(low * scale), pd.Series(high * scale))
    colours = [BAR_COLOUR if flag else BAR_LIGHT_COLOUR for flag in significant]
    bars = ax.barh(positions, np.asarray(mean, dtype=float) * scale, xerr=errors, color=colours,
                   edgecolor=EDGE_COLOUR, linewidth=0.5, error_kw=ERROR_BAR_STYLE, zorder=3)
    for rectangle, flag in zip(bars.patches, significant):
        if not flag:
            rectangle.set_hatch("//")
    ax.axvline(0, color="black", linewidth=1.0, zorder=4)
    values = np.asarray(mean, dtype=float)
    if len(values) and np.all(np.nan_to_num(values) == 0):
        ax.text(0.5, 0.5, "各方案与基准无差别 No difference from the baseline", transform=ax.transAxes,
                ha="center", va="center", fontsize=10, color="#404040",
                bbox={"facecolor": "white", "edgecolor": "#999999"}, zorder=5)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.grid(axis="x", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)


def differences_figure(table: pd.DataFrame | None) -> Figure:
    """Draw each option's paired difference from the baseline for the share met and the response delay."""

    configure_matplotlib()
    title = "各方案与基准方案的配对差值 Paired differences from the baseline"
    if table is None or table.empty:
        return _no_data_figure(title)
    options = table[table["option"] != table["baseline"]]
    if options.empty:
        return _no_data_figure(title)

    labels = list(dict.fromkeys(options["option"]))
    fig = _new_figure(9.0, 1.6 + 0.9 * len(labels) * len(PANELS))
    axes = fig.subplots(len(PANELS), 1)
    for ax, (measure, axis_label, scale) in zip(axes, PANELS):
        rows = options[options["measure"] == measure].set_index("option").loc[labels]
        _difference_bars(ax, labels, rows["diff_mean"].to_numpy(), rows["diff_low"].to_numpy(),
                         rows["diff_high"].to_numpy(), scale, rows["significant"].to_numpy())
        ax.set_xlabel(axis_label)
    axes[0].set_title(f"{title}\n基准 baseline：{table['baseline'].iloc[0]}")
    _significance_legend(axes[0])
    return fig


def marginal_figure(marginal: pd.DataFrame | None, top: int = 15) -> Figure:
    """Draw the ``top`` one-more-person changes by the rise in the share of targets met, best at the top."""

    configure_matplotlib()
    title = "增加一人（一个小组）的效果 Effect of one more person (team)"
    if marginal is None or marginal.empty:
        return _no_data_figure(title)

    shown = marginal.head(top)
    fig = _new_figure(9.0, _bar_figure_height(len(shown)))
    ax = fig.add_subplot()
    significant = (shown["targets_met_delta_low"] > 0).to_numpy()
    _difference_bars(ax, shown["change"].tolist(), shown["targets_met_delta_mean"].to_numpy(),
                     shown["targets_met_delta_low"].to_numpy(), shown["targets_met_delta_high"].to_numpy(),
                     100.0, significant)
    for position, delay in enumerate(shown["delay_delta_mean"]):
        ax.annotate(f"延迟 {delay:+.1f} 分钟", (1.0, position), xycoords=("axes fraction", "data"),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, annotation_clip=False)
    ax.set_xlabel("达标率提高（百分点） Rise in share of targets met (pp)")
    if len(marginal) > top:
        title += f"\n前 {top} 项（共 {len(marginal)} 项） Top {top} of {len(marginal)}"
    ax.set_title(title)
    _significance_legend(ax)
    return fig
