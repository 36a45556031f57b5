"""The ``hqsim`` commands: run, compare and marginal.

Each command loads and validates its input, runs the replications with a
progress bar, prints a summary and writes one results folder. Validation
errors propagate as :class:`sim.errors.ScenarioError` for :mod:`sim.cli` to
print.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from sim.console import (
    Output,
    ProgressBar,
    UsageError,
    print_comparison,
    print_marginal,
    print_precision,
    print_summary,
    write_line,
)
from sim.experiment import MAX_REPLICATIONS, TASK_LOG_AUTO_LIMIT, run_experiment
from sim.loader import load_scenario
from sim.staffing import apply_staffing, load_scenario_with_staffing
from sim.results import remove_incomplete, write_comparison, write_marginal, write_results

def check_common_arguments(args, out: Output) -> str | None:
    """Return a message for an invalid replication count, worker count or seed, or None."""

    replications = getattr(args, "replications", 1)
    if not 1 <= replications <= MAX_REPLICATIONS:
        return out.text(f"--replications 应在 1 到 {MAX_REPLICATIONS} 之间，实际为 {replications}。",
                        f"--replications must be from 1 to {MAX_REPLICATIONS}, got {replications}.")
    if args.workers < 1:
        return out.text(f"--workers 至少为 1，实际为 {args.workers}。", f"--workers must be at least 1, got {args.workers}.")
    if args.seed < 0:
        return out.text(f"--seed 不能为负数，实际为 {args.seed}。", f"--seed must not be negative, got {args.seed}.")
    precision = getattr(args, "precision", None)
    if precision is not None and not 0 < precision < 1:
        return out.text(f"--precision 应在 0 到 1 之间（例如 0.05 表示 ±5%），实际为 {precision}。",
                        f"--precision must be between 0 and 1 (0.05 means ±5%), got {precision}.")
    return None


def prepare_results_dir(results_dir: Path, out: Output) -> None:
    """Create ``results_dir`` if needed and check it is a writable folder, before any simulation runs.

    Raises :class:`UsageError` with a bilingual message otherwise, and
    removes temporary folders left by killed runs.
    """

    try:
        results_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(out.text(f"--out 指向的 {results_dir} 是一个文件，不是文件夹。请换一个文件夹。",
                                         f"--out {results_dir} is a file, not a folder. Choose a folder.")) from None
    except OSError as error:
        raise UsageError(out.text(f"无法创建结果文件夹 {results_dir}：{error.strerror}。请换一个可写的文件夹。",
                                         f"Cannot create the results folder {results_dir}: {error.strerror}. "
                                         "Choose a writable folder.")) from None
    if not results_dir.is_dir() or not os.access(results_dir, os.W_OK):
        raise UsageError(out.text(f"结果文件夹 {results_dir} 不可写。请换一个可写的文件夹。",
                                         f"The results folder {results_dir} is not writable. Choose a writable folder."))
    _clean_results_dir(results_dir, out)


def _clean_results_dir(results_dir: Path, out: Output) -> None:
    for leftover in remove_incomplete(results_dir):
        out.say(f"已删除上次中断运行留下的临时文件夹 {leftover.name}。",
                f"Removed the temporary folder {leftover.name} left by an interrupted run.", file=sys.stderr)


def command_run(args, out: Output, argv: list[str]) -> int:
    """Run ``hqsim run``: load, simulate, summarise, write the results folder."""

    from sim.precision import run_to_precision

    started = dt.datetime.now().astimezone()
    results_dir = Path(args.out)
    scenario = load_scenario_with_staffing(args.scenario, staffing=args.staffing)
    prepare_results_dir(results_dir, out)
    out.say(f"情景：{scenario.name}\n人员配置：{scenario.staffing_name}　随机种子：{args.seed}　并行进程：{args.workers}",
            f"Scenario: {scenario.name_en or scenario.name}\nStaffing: {scenario.staffing_name}  "
            f"seed: {args.seed}  workers: {args.workers}")

    extra = {}
    if args.precision is not None:
        maximum = args.max_replications
        keep = args.task_log == "all"
        progress = ProgressBar(out, maximum, "重复实验（至多）", "Replications (at most)")
        result, report = run_to_precision(scenario, args.seed, args.precision, max_replications=maximum,
                                          workers=args.workers, keep_task_log=keep, progress=progress)
        print_precision(report, out)
        extra["precision"] = {"target": report.target, "reached": report.reached,
                              "max_replications": report.max_replications,
                              "relative_half_widths": report.relative_half_widths}
    else:
        keep = args.task_log == "all" or (args.task_log == "auto" and args.replications <= TASK_LOG_AUTO_LIMIT)
        if not keep:
            out.say(f"重复次数超过 {TASK_LOG_AUTO_LIMIT}，任务日志只保存第 0 次重复（可用 --task-log all 保存全部）。",
                    f"More than {TASK_LOG_AUTO_LIMIT} replications: the task log keeps replication 0 only "
                    "(use --task-log all for every replication).")
        progress = ProgressBar(out, args.replications, "重复实验", "Replications")
        result = run_experiment(scenario, args.replications, args.seed, workers=args.workers,
                                keep_task_log=keep, progress=progress)

    # Write first, so that a closed standard output cannot lose the results.
    folder = write_results(result, results_dir, ["hqsim"] + argv, started, figures=not args.no_figures,
                           extra_manifest=extra)
    print_summary(result, out)
    out.say(f"\n结果已写入：{folder}", f"\nResults written to: {folder}")
    return 0


def _comparison_variants(args, out: Output):
    """Return (label, scenario) pairs for ``hqsim compare``, the baseline first."""

    paths = args.scenarios
    if len(paths) == 1:
        base = load_scenario(paths[0])
        names = args.staffing or [base.default_staffing] + [
            name for name in base.staffing_options if name != base.default_staffing]
        if len(names) < 2:
            raise ValueError(out.text("请至少给出两个人员配置方案（--staffing A --staffing B），或两个情景文件。",
                                      "Give at least two staffing options (--staffing A --staffing B) or two scenario files."))
        return [(Path(name).stem if name.endswith(('.yaml', '.yml')) else name, apply_staffing(base, name))
                for name in names]

    if args.staffing and len(args.staffing) > 1:
        raise ValueError(out.text("比较多个情景文件时，--staffing 至多给出一个（对所有文件生效）。",
                                  "With several scenario files, give at most one --staffing (it applies to all)."))
    staffing = args.staffing[0] if args.staffing else None
    variants = []
    for path in paths:
        scenario = load_scenario_with_staffing(path, staffing=staffing)
        label = f"{Path(path).stem}（{scenario.staffing_name}）"
        if label in dict(variants):
            label = f"{path}（{scenario.staffing_name}）"
        variants.append((label, scenario))
    return variants


def command_compare(args, out: Output, argv: list[str]) -> int:
    """Run ``hqsim compare``: options on common random numbers, paired differences, a results folder."""

    from sim.compare import compare_scenarios

    started = dt.datetime.now().astimezone()
    try:
        variants = _comparison_variants(args, out)
    except ValueError as error:
        out.say(str(error), str(error), file=sys.stderr)
        return 2
    labels = "、".join(label for label, _ in variants)
    out.say(f"比较方案：{labels}（基准为第一个）　重复次数：{args.replications}　随机种子：{args.seed}",
            f"Options: {', '.join(label for label, _ in variants)} (the first is the baseline)  "
            f"replications: {args.replications}  seed: {args.seed}")
    results_dir = Path(args.out)
    prepare_results_dir(results_dir, out)

    progress = ProgressBar(out, len(variants) * args.replications, "重复实验", "Replications")
    comparison = compare_scenarios(variants, args.replications, args.seed, workers=args.workers, progress=progress)
    table = comparison.table()

    folder = write_comparison(results_dir, comparison, variants, args.replications, args.seed, started,
                              ["hqsim"] + argv)
    print_comparison(table, out)
    out.say(f"\n结果已写入：{folder}", f"\nResults written to: {folder}")
    return 0


def command_marginal(args, out: Output, argv: list[str]) -> int:
    """Run ``hqsim marginal``: one more person at each department and group in turn, ranked."""

    from sim.compare import candidate_changes, marginal_staffing

    started = dt.datetime.now().astimezone()
    scenario = load_scenario_with_staffing(args.scenario, staffing=args.staffing)
    changes = candidate_changes(scenario)
    out.say(f"情景：{scenario.name}　人员配置：{scenario.staffing_name}\n"
            f"逐一比较 {len(changes)} 项变化（每个部门+1人、每个工作组+1个小组），每项 {args.replications} 次重复。",
            f"Scenario: {scenario.name_en or scenario.name}  staffing: {scenario.staffing_name}\n"
            f"Comparing {len(changes)} changes (+1 staff per department, +1 team per group), "
            f"{args.replications} replications each.")
    results_dir = Path(args.out)
    prepare_results_dir(results_dir, out)

    progress = ProgressBar(out, (len(changes) + 1) * args.replications, "重复实验", "Replications")
    table = marginal_staffing(scenario, args.replications, args.seed, workers=args.workers, changes=changes,
                              progress=progress)

    folder = write_marginal(results_dir, table, scenario, args.replications, args.seed, started, ["hqsim"] + argv,
                            top=args.top)
    print_marginal(table, out, args.top)
    out.say(f"\n结果已写入：{folder}", f"\nResults written to: {folder}")
    return 0


def command_rerun(args, out: Output, argv: list[str]) -> int:
    """Run ``hqsim rerun``: repeat a saved run from its manifest and check the numbers match."""

    from sim.reproduce import read_manifest, rerun

    folder = Path(args.folder)
    manifest = read_manifest(folder)
    out.say(f"重跑 {folder.name}：人员配置 {manifest['staffing']}，种子 {manifest['seed']}，{manifest['replications']} 次重复",
            f"Re-running {folder.name}: staffing {manifest['staffing']}, seed {manifest['seed']}, "
            f"{manifest['replications']} replications")
    progress = ProgressBar(out, int(manifest["replications"]), "重复实验", "Replications")
    report = rerun(folder, workers=args.workers, progress=progress)
    if report.matches:
        out.say(f"结果一致：{report.compared_values} 个数值与保存的结果完全相同。",
                f"Results match: all {report.compared_values} values equal the saved ones.")
        return 0
    out.say(f"结果不一致：{len(report.mismatches)} 处不同，例如：", f"Results differ in {len(report.mismatches)} places, e.g.:",
            file=sys.stderr)
    for line in report.mismatches[:10]:
        write_line(f"  {line}", sys.stderr)
    return 1
