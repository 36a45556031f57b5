"""Print the validation numbers of docs/validation.md as Markdown tables.

Runs the same models, seeds and replications as tests/test_validation.py:
the M/M/c cases against Erlang C, the tandem networks in hqsim and Ciw
against the Jackson-network waits, and Little's law on the priority network.

Usage, from the repository folder::

    .venv/bin/python tests/validation_report.py [--workers N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from networks import (
    CIW_SEED,
    HQSIM_SEED,
    LITTLE_REPLICATIONS,
    LITTLE_SEED,
    MMC_CASES,
    REPLICATIONS,
    STATION_GROUPS,
    TANDEM_CASES,
    expected_window_wait,
    little_measures,
    run_priority_network,
    run_tandem_case,
)
from sim.experiment import default_workers


def format_ci(ci) -> str:
    """Format a confidence interval as 'mean [low, high]' with 4 significant digits."""

    return f"{ci.mean:.4g} [{ci.low:.4g}, {ci.high:.4g}]"


def verdict(ci, theory: float) -> str:
    """Return 'yes' when ``theory`` lies in the interval, else 'NO'."""

    return "yes" if ci.low <= theory <= ci.high else "NO"


def mmc_table(folder: Path, workers: int) -> list[str]:
    """Return the Markdown rows of the Erlang C comparison."""

    lines = [
        "| c | ρ | λ (/min) | window (min) | horizon (min) | warm-up bias | Erlang C Wq (min) "
        "| hqsim mean [95% CI] | rel. half-width | in CI |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in MMC_CASES:
        ci = case.run(folder / case.name, workers)
        theory = case.theory_wait()
        lines.append(
            f"| {case.servers} | {case.utilisation:g} | {case.arrival_rate:g} "
            f"| {case.window.start:g}–{case.window.end:g} | {case.horizon:g} | {case.warm_up_bias():+.2%} "
            f"| {theory:.4g} "
            f"| {format_ci(ci)} | {ci.relative_half_width:.3f} | {verdict(ci, theory)} |")
    return lines


def tandem_table(folder: Path, workers: int) -> list[str]:
    """Return the Markdown rows of the hqsim–Ciw–Jackson comparison."""

    lines = [
        "| routing p | station | c | λ (/min) | mean service (min) | ρ | warm-up bias | Jackson Wq (min) "
        "| hqsim mean [95% CI] | Ciw mean [95% CI] | theory in hqsim CI | theory in Ciw CI | CIs overlap |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in TANDEM_CASES:
        result = run_tandem_case(case, folder / case.name, workers)
        network = case.network
        for station in (0, 1):
            hqsim, ciw = result.hqsim[station], result.ciw[station]
            theory = result.theory[station]
            overlap = "yes" if hqsim.low <= ciw.high and ciw.low <= hqsim.high else "NO"
            servers = network.servers[station]
            rate = network.arrival_rates()[station]
            mean = network.mean_services[station]
            # NOTE: this treats station 2's input as Poisson from time 0. Its real input is station 1's
            # output, which starts below λ, so station 2's real bias is larger in magnitude than shown.
            bias = expected_window_wait(servers, rate, 1.0 / mean, case.window) / theory - 1.0
            lines.append(
                f"| {network.routing_probability:g} | {station + 1} | {servers} | {rate:g} | {mean:g} "
                f"| {network.utilisations()[station]:.2f} | {bias:+.2%} | {theory:.4g} "
                f"| {format_ci(hqsim)} | {format_ci(ciw)} "
                f"| {verdict(hqsim, theory)} | {verdict(ciw, theory)} | {overlap} |")
    return lines


def little_table(folder: Path) -> list[str]:
    """Return the Markdown rows of the Little's law check, one per replication and group."""

    lines = [
        "| replication | group | L queue | λ·W | gap | L in system | λ·(W + S) | gap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scenario, output in run_priority_network(folder):
        for group in STATION_GROUPS:
            measures = little_measures(scenario, output, group)
            queue_rhs = measures["arrival_rate"] * measures["wait"]
            system_rhs = measures["arrival_rate"] * measures["sojourn"]
            lines.append(
                f"| {output.replication} | {group} | {measures['queue']:.4f} | {queue_rhs:.4f} "
                f"| {measures['queue'] / queue_rhs - 1:+.2%} | {measures['in_system']:.4f} | {system_rhs:.4f} "
                f"| {measures['in_system'] / system_rhs - 1:+.2%} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="worker processes for the replications (default: the CPUs this process may use)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hqsim-validation-") as temporary:
        folder = Path(temporary)
        sections = [
            f"Erlang C, {REPLICATIONS} replications, hqsim root seed {HQSIM_SEED}:",
            "",
            *mmc_table(folder, args.workers),
            "",
            f"Tandem networks, {REPLICATIONS} replications per library, hqsim root seed {HQSIM_SEED}, "
            f"Ciw seeds {CIW_SEED} + replication:",
            "",
            *tandem_table(folder, args.workers),
            "",
            f"Little's law, {LITTLE_REPLICATIONS} replications, hqsim root seed {LITTLE_SEED}:",
            "",
            *little_table(folder),
        ]
    print("\n".join(sections))
    print(f"\nGenerated in {time.perf_counter() - started:.0f} s with {args.workers} workers.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
