"""A lean priority resource on simpy events.

The HQ's groups and departments are counted resources with a priority
queue: a request with a lower priority number is served first, and requests
of equal priority are served in arrival order, as in
``simpy.PriorityResource`` without preemption. This version grants a free
unit at once without scheduling an event, and creates a simpy event only
when the request has to wait. A replication makes about a thousand requests
and most of them are granted at once, so this removes most of the event
traffic that ``simpy.PriorityResource`` would add.

>>> import simpy
>>> env = simpy.Environment()
>>> team = PriorityResource(env, capacity=1)
>>> team.request(priority=3) is None     # granted at once
True
>>> waiting = team.request(priority=1)
>>> team.release(); env.run(); waiting.triggered
True
"""

from __future__ import annotations

import heapq
import itertools

import simpy


class PriorityResource:
    """``capacity`` identical units shared by requests ordered by (priority, arrival)."""

    __slots__ = ("env", "capacity", "in_use", "_queue", "_counter")

    def __init__(self, env: simpy.Environment, capacity: int):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.env = env
        self.capacity = capacity
        self.in_use = 0
        """Units currently granted."""
        self._queue: list[tuple[int, int, simpy.Event]] = []
        self._counter = itertools.count()

    def request(self, priority: int) -> simpy.Event | None:
        """Take a unit: return None when granted now, else an event that fires when it is granted."""

        if self.in_use < self.capacity and not self._queue:
            self.in_use += 1
            return None
        event = self.env.event()
        heapq.heappush(self._queue, (priority, next(self._counter), event))
        return event

    def release(self) -> None:
        """Return a unit; the first waiting request, if any, takes it over at the same moment."""

        if self._queue:
            _, _, event = heapq.heappop(self._queue)
            event.succeed()
        else:
            self.in_use -= 1

    @property
    def queue_length(self) -> int:
        """Requests waiting for a unit."""

        return len(self._queue)
