"""Queueing formulas the simulation is checked against.

>>> round(erlang_c_wait(servers=3, arrival_rate=2.5, service_rate=1.0), 4)
1.4045
"""

from __future__ import annotations


def erlang_c_probability(servers: int, offered_load: float) -> float:
    """Return the Erlang C probability that an arrival must wait (offered load a = λ/μ < servers)."""

    if offered_load >= servers:
        raise ValueError("the queue is unstable: offered load must be below the number of servers")
    term = 1.0
    total = 1.0
    for k in range(1, servers):
        term *= offered_load / k
        total += term
    last = term * offered_load / servers * servers / (servers - offered_load)
    return last / (total + last)


def erlang_c_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Return the M/M/c mean waiting time in queue, Wq = C(c, a) / (c μ − λ)."""

    probability = erlang_c_probability(servers, arrival_rate / service_rate)
    return probability / (servers * service_rate - arrival_rate)
