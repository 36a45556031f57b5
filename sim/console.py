"""Console output of the ``hqsim`` commands: language choice, progress bar, summaries.

Messages are Chinese by default and English with ``--lang en``. The
progress bar goes to standard error, so standard output carries only the
results.
"""

from __future__ import annotations

import math
import os
import sys
import time


FEW_REPLICATIONS = 10
"""Below this many replications the summary warns that its intervals are unreliable."""


class UsageError(Exception):
    """A problem with the command-line arguments, such as an unusable ``--out`` folder; the message is ready to print."""


class Output:
    """Prints user messages in the chosen language ('zh' or 'en')."""

    def __init__(self, lang: str):
        self.lang = lang

    def text(self, zh: str, en: str) -> str:
        """Return the message in the chosen language."""

        return en if self.lang == "en" else zh

    def say(self, zh: str, en: str, file=None) -> None:
        """Print the message in the chosen language; a closed stream silences output instead of failing."""

        write_line(self.text(zh, en), file or sys.stdout)


def write_line(text: str, stream, end: str = "\n") -> None:
    """Print ``text`` to ``stream``; if the reader has gone (as with `| head`), drop the output and go on.

    A run must not fail because its messages have no reader, since the
    results folder is what matters.
    """

    try:
        print(text, end=end, file=stream, flush=True)
    except BrokenPipeError:
        devnull = open(os.devnull, "w")
        if stream is sys.stdout:
            sys.stdout = devnull
        elif stream is sys.stderr:
            sys.stderr = devnull


class ProgressBar:
    """A progress bar on standard error: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, out: Output, total: int, label_zh: str, label_en: str):
        self.out = out
        self.total = total
        self.label = out.text(label_zh, label_en)
        self.started = time.perf_counter()
        self.interactive = sys.stderr.isatty()
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        fraction = done / total if total else 1.0
        width = 30
        filled = int(width * fraction)
        bar = "█" * filled + "·" * (width - filled)
        remaining = elapsed / fraction - elapsed if fraction > 0 else math.nan
        eta = self.out.text(f"剩余约 {remaining:.0f} 秒", f"about {remaining:.0f} s left") if done < total else \
            self.out.text(f"用时 {elapsed:.1f} 秒", f"took {elapsed:.1f} s")
        line = f"{self.label} [{bar}] {done}/{total}  {eta}"
        if self.interactive:
            write_line("\r" + line, sys.stderr, end="\n" if done >= total else "")
        else:
            decile = int(fraction * 10)
            if decile != self.last_decile or done >= total:
                self.last_decile = decile
                write_line(line, sys.stderr)


def _pct(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:.1f}%"


def _num(value: float, digits: int = 1) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def print_summary(result, out: Output) -> None:
    """Print the headline measures, the slowest milestones and the top bottleneck departments."""

    headline = result.headline().set_index("measure")
    share = headline.loc["targets_met_share"]
    delay = headline.loc["mean_response_delay"]
    created = headline.loc["tasks_created"]
    unfinished = headline.loc["tasks_unfinished"]

    out.say("\n== 结果摘要（均值及95%置信区间） ==", "\n== Summary (mean and 95% confidence interval) ==")
    if result.replications < FEW_REPLICATIONS:
        out.say(f"注意：只有 {result.replications} 次重复，置信区间很宽或无法计算；建议至少 30 次，或使用 --precision。",
                f"Note: only {result.replications} replications, so intervals are wide or unknown; "
                "use at least 30, or --precision.")
    out.say(f"达标任务占比：{_pct(share['mean'])}（{_pct(share['low'])} – {_pct(share['high'])}）",
            f"Tasks meeting their target: {_pct(share['mean'])} ({_pct(share['low'])} – {_pct(share['high'])})")
    out.say(f"平均响应延迟：{_num(delay['mean'])} 分钟（{_num(delay['low'])} – {_num(delay['high'])}）",
            f"Mean response delay: {_num(delay['mean'])} min ({_num(delay['low'])} – {_num(delay['high'])})")
    out.say(f"每次重复生成任务：{_num(created['mean'], 0)} 个，其中未完成 {_num(unfinished['mean'])} 个",
            f"Tasks per replication: {_num(created['mean'], 0)}, unfinished {_num(unfinished['mean'])}")

    targets = result.target_summary()
    if len(targets):
        targets = targets.assign(ratio=targets["measured_mean"] / targets["minutes"])
        slowest = targets.sort_values(["met_share_mean", "ratio"], ascending=[True, False]).head(5)
        out.say("\n最慢的里程碑（按达标率从低到高）：", "\nSlowest milestones (lowest share met first):")
        for _, row in slowest.iterrows():
            out.say(
                f"  {row['name']}：目标 {row['minutes']:g} 分钟，实测均值 {_num(row['measured_mean'])} 分钟，"
                f"达标率 {_pct(row['met_share_mean'])}（{_pct(row['met_share_low'])} – {_pct(row['met_share_high'])}）",
                f"  {row['name_en'] or row['name']}: target {row['minutes']:g} min, measured {_num(row['measured_mean'])} min, "
                f"met {_pct(row['met_share_mean'])} ({_pct(row['met_share_low'])} – {_pct(row['met_share_high'])})",
            )

    bottlenecks = result.bottlenecks("department", top=5)
    out.say("\n瓶颈部门（按造成的等待时间排序，分钟/次重复）：",
            "\nBottleneck departments (by waiting caused, minutes per replication):")
    if not len(bottlenecks):
        out.say("  无：没有任务因部门而等待。", "  None: no task waited for a department.")
    for _, row in bottlenecks.iterrows():
        out.say(
            f"  {row['rank']}. {row['resource']}：造成等待 {_num(row['wait_caused_mean'])} 分钟"
            f"（{_num(row['wait_caused_low'])} – {_num(row['wait_caused_high'])}），利用率 {_pct(row['utilisation_mean'])}",
            f"  {row['rank']}. {row['resource']}: waiting caused {_num(row['wait_caused_mean'])} min "
            f"({_num(row['wait_caused_low'])} – {_num(row['wait_caused_high'])}), utilisation {_pct(row['utilisation_mean'])}",
        )


def print_precision(report, out: Output) -> None:
    """Print how many replications the precision rule chose and the precision reached."""

    widths = "，".join(f"{name} {_pct(width)}" for name, width in report.relative_half_widths.items())
    widths_en = ", ".join(f"{name} {_pct(width)}" for name, width in report.relative_half_widths.items())
    if report.reached:
        out.say(f"\n精度目标 ±{_pct(report.target)} 已达到：需要 {report.replications} 次重复（相对半宽：{widths}）。",
                f"\nPrecision ±{_pct(report.target)} reached with {report.replications} replications "
                f"(relative half-widths: {widths_en}).")
    else:
        out.say(f"\n已达最大重复次数 {report.max_replications}，精度目标 ±{_pct(report.target)} 仍未全部达到"
                f"（相对半宽：{widths}）。结果基于 {report.replications} 次重复。",
                f"\nStopped at the maximum of {report.max_replications} replications without reaching "
                f"±{_pct(report.target)} for every measure (relative half-widths: {widths_en}).")


def _difference(row, percent: bool) -> str:
    scale, unit = (100.0, "pp") if percent else (1.0, "")
    if math.isnan(row["diff_mean"]):
        return "—"
    mark = " *" if row["significant"] else ""
    return (f"{row['diff_mean'] * scale:+.2f}{unit} "
            f"[{row['diff_low'] * scale:+.2f}, {row['diff_high'] * scale:+.2f}]{mark}")


def print_comparison(table, out: Output) -> None:
    """Print each option's key measures and its paired difference from the baseline."""

    baseline = table["baseline"].iloc[0]
    out.say(f"\n== 方案对比（基准：{baseline}；差值为配对差值及95%置信区间，* 表示区间不含0） ==",
            f"\n== Comparison (baseline: {baseline}; paired differences with 95% CI, * = CI excludes 0) ==")
    for measure in ("targets_met_share", "mean_response_delay", "mean_wait", "tasks_unfinished"):
        rows = table[table["measure"] == measure]
        if rows.empty:
            continue
        out.say(f"\n{rows['label'].iloc[0]}", f"\n{rows['label'].iloc[0]}")
        percent = "share" in measure
        for _, row in rows.iterrows():
            value = _pct(row["mean"]) if percent else _num(row["mean"])
            out.say(f"  {row['option']}：{value}　差值 {_difference(row, percent)}",
                    f"  {row['option']}: {value}  difference {_difference(row, percent)}")


def print_marginal(table, out: Output, top: int) -> None:
    """Print the best ``top`` one-more-person changes."""

    out.say("\n== 增加一人的效果排名（与基准的配对差值及95%置信区间） ==",
            "\n== Where one more person helps most (paired differences with 95% CI) ==")
    if table.empty:
        out.say("  没有可比较的部门或工作组。", "  No department or group to change.")
        return
    for _, row in table.head(top).iterrows():
        share = (f"{row['targets_met_delta_mean'] * 100:+.2f}pp "
                 f"[{row['targets_met_delta_low'] * 100:+.2f}, {row['targets_met_delta_high'] * 100:+.2f}]")
        delay = f"{row['delay_delta_mean']:+.1f} [{row['delay_delta_low']:+.1f}, {row['delay_delta_high']:+.1f}]"
        mark = " *" if row["significant"] else ""
        out.say(f"  {row['rank']}. {row['change']}：达标率 {share}，平均响应延迟 {delay} 分钟{mark}",
                f"  {row['rank']}. {row['change_en']}: share met {share}, mean response delay {delay} min{mark}")
    out.say("  * 表示达标率提高或延迟缩短在统计上显著。", "  * marks a significant rise in share met or cut in delay.")
