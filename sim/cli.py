"""The ``hqsim`` command line.

``hqsim run [SCENARIO]`` runs replications of a scenario (the built-in
default when none is named), prints a Chinese summary and writes a results
folder. Messages are Chinese; ``--lang en`` (or ``HQSIM_LANG=en``) switches
them to English. Bad input ends with a readable message and exit status 2,
never a traceback. An interrupted run exits with status 130 and leaves no
partial results folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import os
import sys
import time
from pathlib import Path

from sim.errors import ScenarioError

EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "default.yaml"


class Output:
    """Prints user messages in the chosen language ('zh' or 'en')."""

    def __init__(self, lang: str):
        self.lang = lang

    def text(self, zh: str, en: str) -> str:
        """Return the message in the chosen language."""

        return en if self.lang == "en" else zh

    def say(self, zh: str, en: str, file=None) -> None:
        """Print the message in the chosen language."""

        print(self.text(zh, en), file=file or sys.stdout, flush=True)


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
            print("\r" + line, end="\n" if done >= total else "", file=sys.stderr, flush=True)
        else:
            decile = int(fraction * 10)
            if decile != self.last_decile or done >= total:
                self.last_decile = decile
                print(line, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``hqsim`` with Chinese and English help."""

    parser = argparse.ArgumentParser(
        prog="hqsim",
        description="现场指挥部桌面推演模拟器 On-site command HQ tabletop-exercise simulator",
    )
    parser.add_argument("--lang", choices=["zh", "en"], default=os.environ.get("HQSIM_LANG", "zh"),
                        help="界面语言 message language (zh | en)，默认 zh")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志 log debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="运行情景并输出结果 run a scenario and write results")
    run.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                     help="情景文件路径（默认：内置默认情景） scenario file (default: the built-in scenario)")
    run.add_argument("--staffing", default=None,
                     help="人员配置方案名称（默认：情景的默认方案） staffing option name")
    run.add_argument("--replications", "-n", type=int, default=30,
                     help="重复实验次数，默认 30 number of replications")
    run.add_argument("--seed", type=int, default=20261204, help="随机数根种子 root random seed")
    run.add_argument("--out", default="results", help="结果根目录，默认 results/ folder for results")
    run.add_argument("--workers", type=int, default=1,
                     help="并行进程数，默认 1 number of worker processes")
    run.add_argument("--no-figures", action="store_true", help="不生成图表 skip the PNG figures")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(args.lang)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")

    if args.command is None:
        parser.print_help()
        return EXIT_INPUT_ERROR

    try:
        if args.command == "run":
            return command_run(args, out, argv)
    except ScenarioError as error:
        out.say(error.format("zh"), error.format("en"), file=sys.stderr)
        out.say("请修改上述问题后重新运行。", "Fix the problems above and run again.", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        out.say("\n运行已中断，未写入任何结果文件夹。", "\nRun interrupted; no results folder was written.",
                file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        out.say(f"写入结果失败：{error}。未留下不完整的结果文件夹。",
                f"Writing results failed: {error}. No partial results folder was left.", file=sys.stderr)
        return 1
    return 0


def _check_run_arguments(args, out: Output) -> str | None:
    from sim.experiment import MAX_REPLICATIONS

    if not 1 <= args.replications <= MAX_REPLICATIONS:
        return out.text(f"--replications 应在 1 到 {MAX_REPLICATIONS} 之间，实际为 {args.replications}。",
                        f"--replications must be from 1 to {MAX_REPLICATIONS}, got {args.replications}.")
    if args.workers < 1:
        return out.text(f"--workers 至少为 1，实际为 {args.workers}。", f"--workers must be at least 1, got {args.workers}.")
    if args.seed < 0:
        return out.text(f"--seed 不能为负数，实际为 {args.seed}。", f"--seed must not be negative, got {args.seed}.")
    return None


def command_run(args, out: Output, argv: list[str]) -> int:
    """Run ``hqsim run``: load, simulate, summarise, write the results folder."""

    from sim.experiment import run_experiment
    from sim.loader import load_scenario
    from sim.results import remove_incomplete, write_results

    problem = _check_run_arguments(args, out)
    if problem:
        out.say(problem, problem, file=sys.stderr)
        return EXIT_INPUT_ERROR

    started = dt.datetime.now().astimezone()
    scenario = load_scenario(args.scenario, staffing=args.staffing)
    out.say(f"情景：{scenario.name}\n人员配置：{scenario.staffing_name}　重复次数：{args.replications}　随机种子：{args.seed}",
            f"Scenario: {scenario.name_en or scenario.name}\nStaffing: {scenario.staffing_name}  "
            f"replications: {args.replications}  seed: {args.seed}")

    results_dir = Path(args.out)
    for leftover in remove_incomplete(results_dir):
        out.say(f"已删除上次中断运行留下的临时文件夹 {leftover.name}。",
                f"Removed the temporary folder {leftover.name} left by an interrupted run.", file=sys.stderr)

    progress = ProgressBar(out, args.replications, "重复实验", "Replications")
    result = run_experiment(scenario, args.replications, args.seed, workers=args.workers, progress=progress)

    print_summary(result, out)
    folder = write_results(result, results_dir, ["hqsim"] + argv, started, figures=not args.no_figures)
    out.say(f"\n结果已写入：{folder}", f"\nResults written to: {folder}")
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
