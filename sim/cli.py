"""The ``hqsim`` command line: argument parsing and error handling.

``hqsim run`` runs a scenario, ``hqsim compare`` compares staffing options
or scenario files on common random numbers, ``hqsim marginal`` ranks where
one more person helps most, and ``hqsim rerun`` repeats a saved run and
checks that its numbers match. Messages are Chinese; ``--lang en`` (or
``HQSIM_LANG=en``) switches them to English. Bad input ends with a readable
message and exit status 2, never a traceback. An interrupted run exits with
status 130 and leaves no partial results folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from sim.console import Output, UsageError, write_line
from sim.errors import ScenarioError

EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "default.yaml"
DEFAULT_SEED = 20261204


def _add_common(command: argparse.ArgumentParser, replications: int) -> None:
    command.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS,
                         help="界面语言 message language (zh | en)，默认 zh")
    command.add_argument("--replications", "-n", type=int, default=replications,
                         help=f"每个方案的重复实验次数，默认 {replications} replications per option")
    command.add_argument("--seed", type=int, default=DEFAULT_SEED,
                         help=f"随机数根种子，默认 {DEFAULT_SEED} root random seed")
    command.add_argument("--workers", type=int, default=None,
                         help="并行进程数，默认为本机可用 CPU 数 worker processes (default: the CPUs available)")
    command.add_argument("--out", default="results", help="结果根目录，默认 results folder for results")


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
    run.add_argument("--staffing", default=None, help="人员配置方案名称（默认：情景的默认方案） staffing option name")
    _add_common(run, replications=30)
    run.add_argument("--precision", type=float, default=None,
                     help="目标相对精度（如 0.05），自动增加重复次数直至达到 "
                          "target relative CI half-width, e.g. 0.05; adds replications until reached")
    run.add_argument("--max-replications", type=int, default=1000,
                     help="使用 --precision 时的最大重复次数，默认 1000 maximum replications with --precision")
    run.add_argument("--task-log", choices=["auto", "all", "first"], default="auto",
                     help="保存哪些重复的任务日志：auto（不超过200次时全部）、all、first "
                          "which replications keep a task log: auto (all up to 200), all, first")
    run.add_argument("--no-figures", action="store_true", help="不生成图表 skip the PNG figures")

    compare = commands.add_parser("compare", help="比较人员配置方案或情景文件 compare staffing options or scenarios")
    compare.add_argument("scenarios", nargs="*", default=[str(DEFAULT_SCENARIO)],
                         help="一个或多个情景文件（默认：内置默认情景） one or more scenario files")
    compare.add_argument("--staffing", action="append", default=None,
                         help="要比较的人员配置方案，可重复，第一个为基准（默认：全部方案） "
                              "staffing option to compare, repeatable, the first is the baseline")
    _add_common(compare, replications=30)

    marginal = commands.add_parser("marginal", help="找出增加一人效果最大的位置 rank where one more person helps most")
    marginal.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                          help="情景文件路径（默认：内置默认情景） scenario file")
    marginal.add_argument("--staffing", default=None, help="作为基准的人员配置方案 staffing option used as the baseline")
    marginal.add_argument("--top", type=int, default=10, help="显示前几项，默认 10 how many changes to print")
    _add_common(marginal, replications=20)

    rerun = commands.add_parser("rerun", help="按 manifest 重跑并核对结果 re-run a saved run and check the numbers match")
    rerun.add_argument("folder", help="results/ 下的运行结果文件夹 a run folder under results/")
    rerun.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS, help="界面语言 message language")
    rerun.add_argument("--workers", type=int, default=None,
                       help="并行进程数，默认为本机可用 CPU 数 worker processes (default: the CPUs available)")
    rerun.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def _terminate_as_interrupt(signum, frame) -> None:
    """Treat SIGTERM like Ctrl-C, so that a terminated run cleans up its temporary folder too."""

    raise KeyboardInterrupt


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

    signal.signal(signal.SIGTERM, _terminate_as_interrupt)

    # The library is imported here, inside the handlers, so that Ctrl-C during
    # the slow first import of pandas is reported like any other interruption.
    try:
        from sim.commands import (
            check_common_arguments,
            command_compare,
            command_marginal,
            command_rerun,
            command_run,
        )
        from sim.experiment import default_workers

        if args.workers is None:
            args.workers = default_workers()
        problem = check_common_arguments(args, out)
        if problem:
            out.say(problem, problem, file=sys.stderr)
            return EXIT_INPUT_ERROR

        handlers = {"run": command_run, "compare": command_compare, "marginal": command_marginal,
                    "rerun": command_rerun}
        return handlers[args.command](args, out, argv)
    except ScenarioError as error:
        out.say(error.format("zh"), error.format("en"), file=sys.stderr)
        out.say("请修改上述问题后重新运行。", "Fix the problems above and run again.", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except UsageError as error:
        write_line(str(error), sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        out.say("\n运行已中断，未写入任何结果文件夹。", "\nRun interrupted; no results folder was written.",
                file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        out.say(f"读写文件失败：{error}。未留下不完整的结果文件夹。",
                f"A file operation failed: {error}. No partial results folder was left.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
