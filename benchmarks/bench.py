"""Benchmarks of the hqsim engine; writes docs/benchmarks.md.

Run from the repository root:

    .venv/bin/python benchmarks/bench.py            # full run, a few minutes
    .venv/bin/python benchmarks/bench.py --quick    # smaller counts, for a smoke test

It measures, in one run on this machine:

1. the engine against a bare simpy model that processes the same tasks (same
   creation times, durations and resource sets) through the same number of
   ``simpy.PriorityResource`` resources, with no sampling, records or metrics;
2. replications per second of the default scenario on one process and on all
   cores, and the time for 1,000 replications;
3. how the time per replication grows when the number of injects grows tenfold;
4. peak memory (maximum resident set size) of 100 and of 1,000 replications.

Times are medians of repeated measurements. The machine is shared and noisy,
so ratios measured in the same run are more telling than absolute times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import simpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiment import default_workers, run_experiment, summarise_replication  # noqa: E402
from sim.loader import load_scenario  # noqa: E402
from sim.model import HQModel, run_replication  # noqa: E402
from sim.scenario import Inject  # noqa: E402

DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"


def median_time(function, repeats: int) -> float:
    """Return the median wall time in seconds of ``repeats`` calls of ``function``."""

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bare_model_inputs(scenario, seed: int, replication: int):
    """Return what the bare model needs from one engine replication: tasks and resource capacities."""

    model = HQModel(scenario, seed, replication)
    output = model.run()
    resources_of: dict[int, list[int]] = {}
    for task_id, index, *_ in output.acquisitions:
        resources_of.setdefault(task_id, []).append(index)
    tasks = [(record.created, record.duration, resources_of.get(record.task_id, []),
              scenario.task_types[record.task_type].priority) for record in output.tasks]
    capacities = [max(1, info.capacity) for info in output.resources]
    return tasks, capacities, scenario.horizon


def run_bare_model(tasks, capacities, horizon) -> int:
    """Run the bare simpy model: each task takes its resources in order, holds them, releases them."""

    env = simpy.Environment()
    resources = [simpy.PriorityResource(env, capacity=capacity) for capacity in capacities]
    done = [0]

    def task(created, duration, needs, priority):
        yield env.timeout(created)
        requests = []
        for index in needs:
            request = resources[index].request(priority=priority)
            yield request
            requests.append((resources[index], request))
        yield env.timeout(duration)
        for resource, request in requests:
            resource.release(request)
        done[0] += 1

    for created, duration, needs, priority in tasks:
        env.process(task(created, duration, needs, priority))
    env.run(until=horizon)
    return done[0]


def scaled_injects(scenario, factor: int):
    """Return ``scenario`` with each inject repeated ``factor`` times, spread over the first 24 hours."""

    injects = []
    for copy in range(factor):
        for inject in scenario.injects:
            time_shift = (copy * 1440.0 / factor) if factor > 1 else 0.0
            injects.append(Inject(f"{inject.id}-{copy}", min(inject.time + time_shift, scenario.horizon),
                                  inject.description, inject.tasks))
    injects.sort(key=lambda inject: inject.time)
    return replace(scenario, injects=tuple(injects))


def peak_memory(replications: int, workers: int) -> dict:
    """Run ``replications`` in a fresh process and return its peak resident memory (MB) and time."""

    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from sim.loader import load_scenario
from sim.experiment import run_experiment
scenario = load_scenario({str(DEFAULT_SCENARIO)!r})
started = time.perf_counter()
result = run_experiment(scenario, {replications}, 1, keep_task_log=False, workers={workers})
result.resource_summary(); result.target_summary(); result.queue_summary()
elapsed = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({{"parent_mb": own, "largest_worker_mb": children, "seconds": elapsed}}))
"""
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def machine_description() -> str:
    """Return a one-line description of this machine."""

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kilobytes / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs ({default_workers()} available){memory}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the hqsim engine and write docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="use smaller counts (a smoke test, not for the record)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"), help="markdown file to write")
    args = parser.parse_args()

    repeats = 5 if args.quick else 21
    rate_replications = 40 if args.quick else 200
    big = 100 if args.quick else 1000
    workers = default_workers()
    scenario = load_scenario(DEFAULT_SCENARIO)
    lines: list[str] = []

    # 1. Engine against a bare simpy model on the same tasks.
    tasks, capacities, horizon = bare_model_inputs(scenario, 1, 0)
    engine = median_time(lambda: run_replication(scenario, 1, 0), repeats)
    with_metrics = median_time(lambda: summarise_replication(scenario, 1, 0, False), repeats)
    bare = median_time(lambda: run_bare_model(tasks, capacities, horizon), repeats)
    print(f"engine {engine * 1000:.1f} ms, with metrics {with_metrics * 1000:.1f} ms, bare {bare * 1000:.1f} ms")

    # 2. Replications per second, one process and all cores, and 1,000 replications.
    single = median_time(lambda: run_experiment(scenario, rate_replications, 1, keep_task_log=False, workers=1), 3)
    parallel = median_time(lambda: run_experiment(scenario, rate_replications, 1, keep_task_log=False,
                                                  workers=workers), 3)
    thousand = median_time(lambda: run_experiment(scenario, big, 1, keep_task_log=False, workers=workers), 1)
    print(f"{rate_replications / single:.1f} rep/s on 1, {rate_replications / parallel:.1f} rep/s on {workers}")

    # 3. Ten times the injects.
    tenfold = scaled_injects(scenario, 10)
    base_time = median_time(lambda: run_replication(scenario, 1, 0), repeats)
    tenfold_time = median_time(lambda: run_replication(tenfold, 1, 0), max(3, repeats // 3))
    base_tasks = len(run_replication(scenario, 1, 0).tasks)
    tenfold_tasks = len(run_replication(tenfold, 1, 0).tasks)
    print(f"injects x10: time x{tenfold_time / base_time:.2f}, tasks x{tenfold_tasks / base_tasks:.2f}")

    # 4. Peak memory.
    small_memory = peak_memory(big // 10, workers)
    big_memory = peak_memory(big, workers)
    print(f"memory {big // 10}: {small_memory}, {big}: {big_memory}")

    now = dt.datetime.now().astimezone()
    lines += [
        "# Benchmarks",
        "",
        "运行 `.venv/bin/python benchmarks/bench.py` 会重新测量并重写本文件。以下数字均来自同一次运行；"
        "本机为共享的双核机器，数值有波动，同一次运行中的比值比绝对时间更可靠。",
        "",
        "`.venv/bin/python benchmarks/bench.py` measures again and rewrites this file. All numbers below come "
        "from one run. The machine is a shared two-core machine, so ratios from the same run mean more than "
        "absolute times.",
        "",
        f"- Measured: {now:%Y-%m-%d %H:%M %Z}{' (quick mode, not for the record)' if args.quick else ''}",
        f"- Machine: {machine_description()}",
        f"- Scenario: `scenarios/default.yaml`, staffing `{scenario.staffing_name}`, horizon {scenario.horizon:g} min",
        f"- Medians of {repeats} measurements unless stated otherwise",
        "",
        "## Engine against a bare simpy model",
        "",
        "The bare model runs the same tasks as replication 0 (same creation times, durations, resource sets and "
        "priorities) through `simpy.PriorityResource` resources, with no sampling, no records and no metrics.",
        "",
        "| model | time per replication | ratio to bare |",
        "|---|---|---|",
        f"| bare simpy model, {len(tasks)} tasks, {len(capacities)} resources | {bare * 1000:.1f} ms | 1.00 |",
        f"| hqsim engine (`run_replication`) | {engine * 1000:.1f} ms | {engine / bare:.2f} |",
        f"| hqsim engine with per-replication metrics (`summarise_replication`) | {with_metrics * 1000:.1f} ms | "
        f"{with_metrics / bare:.2f} |",
        "",
        f"Target: at most 1.5 × the bare model: {'met' if engine / bare <= 1.5 else 'not met'} "
        f"({engine / bare:.2f} ×).",
        "",
        "## Replications per second",
        "",
        "| processes | replications | median time | replications per second |",
        "|---|---|---|---|",
        f"| 1 | {rate_replications} | {single:.2f} s | {rate_replications / single:.1f} |",
        f"| {workers} | {rate_replications} | {parallel:.2f} s | {rate_replications / parallel:.1f} |",
        f"| {workers} | {big} | {thousand:.2f} s (one measurement) | {big / thousand:.1f} |",
        "",
        f"Speed-up on {workers} processes: {single / parallel:.2f} ×. Target: 1,000 replications in under 10 s "
        f"on 2 cores: {'met' if thousand < 10 else 'not met'} ({thousand:.1f} s). The bare simpy model alone "
        f"takes {bare * 1000:.1f} ms per replication, so the time is mostly simpy's own event processing.",
        "",
        "## Ten times the injects",
        "",
        "Each inject of the default scenario is repeated ten times, spread over the first 24 hours.",
        "",
        "| injects | tasks per replication | time per replication |",
        "|---|---|---|",
        f"| {len(scenario.injects)} | {base_tasks} | {base_time * 1000:.1f} ms |",
        f"| {len(tenfold.injects)} | {tenfold_tasks} | {tenfold_time * 1000:.1f} ms |",
        "",
        f"Time grows {tenfold_time / base_time:.2f} × for {tenfold_tasks / base_tasks:.2f} × the tasks "
        f"({(tenfold_time / base_time) / (tenfold_tasks / base_tasks):.2f} × per task). Target: linear.",
        "",
        "## Peak memory",
        "",
        "Maximum resident set size of a fresh process running the replications without keeping every task log "
        "(replication 0 keeps one for the Gantt chart), then computing the summaries.",
        "",
        "| replications | parent process | largest worker | time |",
        "|---|---|---|---|",
        f"| {big // 10} | {small_memory['parent_mb']:.0f} MB | {small_memory['largest_worker_mb']:.0f} MB | "
        f"{small_memory['seconds']:.1f} s |",
        f"| {big} | {big_memory['parent_mb']:.0f} MB | {big_memory['largest_worker_mb']:.0f} MB | "
        f"{big_memory['seconds']:.1f} s |",
        "",
    ]
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
