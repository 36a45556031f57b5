"""The simpy model of one replication of the HQ's response.

The accident happens at time 0 and the HQ is activated after a random delay.
Each department's staff arrive on site after their own mobilisation delay.
Injects (情景注入) reach the HQ at their times (or at activation, if earlier)
and are first relayed by the relay task of 综合协调组; the relay's end
creates the inject's tasks. Background streams add tasks as Poisson arrivals.

A task needs one team of its group, one staff member of the group's lead
department and one of each department its task type requires. It waits until
those departments are on site, then requests the resources one at a time in
a single global order (groups by number, then departments in organisation
order). Because every task requests in the same order, no two tasks can each
hold what the other waits for, so the model cannot deadlock. Resources are
priority queues (:class:`sim.resources.PriorityResource`): a lower priority
number is served first, first come first served within a priority. A finished task releases its follow-up task types.

The run stops at the horizon. Tasks still waiting or in progress then are
kept and marked unfinished by :mod:`sim.metrics`; none are dropped.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import simpy

from sim.resources import PriorityResource
from sim.rng import RandomStreams
from sim.scenario import FollowUpChoice, Scenario, TaskType

log = logging.getLogger(__name__)

ACTIVATION = "现场指挥部开设"
"""Name used as the 'resource' a task waited for while the HQ was not yet activated."""


class TaskRecord:
    """The record of one task; times are minutes after the accident (None when not reached)."""

    __slots__ = (
        "task_id", "task_type", "origin", "inject_id", "inject_time", "created", "start", "end",
        "waits", "waiting_for", "waiting_since", "duration", "parent_id", "arrival_blocker", "arrival_wait",
    )

    def __init__(self, task_id, task_type, origin, inject_id, inject_time, created, parent_id=None):
        self.task_id: int = task_id
        self.task_type: str = task_type
        self.origin: str = origin
        self.inject_id: str | None = inject_id
        self.inject_time: float = inject_time
        self.created: float = created
        self.start: float | None = None
        self.end: float | None = None
        self.waits: dict[str, float] = {}
        """Minutes waited for each resource (or for the HQ activation) before the task started."""
        self.waiting_for: str | None = None
        self.waiting_since: float = created
        self.duration: float = 0.0
        self.parent_id: int | None = parent_id
        self.arrival_blocker: str | None = None
        """The department (or the HQ activation) whose arrival the task waited for, holding nothing."""
        self.arrival_wait: float | None = 0.0
        """Minutes of that wait; None while still waiting at the horizon."""


@dataclass
class ResourceInfo:
    """One resource of the model: a group's teams or a department's on-site staff."""

    name: str
    kind: str
    capacity: int
    available_from: float
    """Time the resource is on site (the HQ activation for groups, the arrival for departments)."""


@dataclass
class ReplicationOutput:
    """Raw output of one replication, turned into tables by :mod:`sim.metrics`."""

    replication: int
    horizon: float
    activation_time: float
    tasks: list[TaskRecord]
    resources: list[ResourceInfo]
    acquisitions: list[list]
    """Rows [task_id, resource index, request time, grant time, release time]; None when not reached."""
    group_of: dict[str, str] = field(default_factory=dict)


class HQModel:
    """One replication: builds the simpy environment, runs it to the horizon, returns the records."""

    def __init__(self, scenario: Scenario, root_seed: int, replication: int):
        self.scenario = scenario
        self.replication = replication
        self.streams = RandomStreams(root_seed, replication)
        self.env = simpy.Environment()
        self.tasks: list[TaskRecord] = []
        self.acquisitions: list[list] = []
        self.after_relay: dict[int, tuple[str, tuple[str, ...]]] = {}
        """Per relay task id: the origin label and the task types its end creates."""

        self.activation_time = scenario.hq_activation.sample(self.streams.stream("hq_activation"))
        self._build_resources()
        self._plan_needs()

    def _build_resources(self) -> None:
        scenario = self.scenario
        self.resources: list[ResourceInfo] = []
        self.simpy_resources: list[PriorityResource | None] = []
        self.index_of: dict[str, int] = {}

        for group in scenario.organisation.groups:
            capacity = scenario.teams[group.name]
            self._add_resource(ResourceInfo(group.name, "group", capacity, self.activation_time))

        for department in scenario.organisation.departments:
            staffing = scenario.departments[department.name]
            delay = staffing.mobilisation.sample(self.streams.stream("mobilisation", department.name))
            arrival = self.activation_time + delay if staffing.staff > 0 else math.inf
            self._add_resource(ResourceInfo(department.name, "department", staffing.staff, arrival))

    def _add_resource(self, info: ResourceInfo) -> None:
        self.index_of[info.name] = len(self.resources)
        self.resources.append(info)
        resource = PriorityResource(self.env, info.capacity) if info.capacity > 0 else None
        self.simpy_resources.append(resource)

    def _plan_needs(self) -> None:
        """Fix, per task type, the resources it needs in the global order."""

        self.needs: dict[str, list[int]] = {}
        for task_type in self.scenario.task_types.values():
            names = (task_type.group,) + self.scenario.needed_departments(task_type)
            self.needs[task_type.id] = sorted({self.index_of[name] for name in names})

    # ------------------------------------------------------------ running

    def run(self) -> ReplicationOutput:
        """Run the replication to the horizon and return its raw output."""

        scenario = self.scenario
        for inject in scenario.injects:
            self.env.process(self._inject(inject))
        for stream in scenario.streams:
            self.env.process(self._stream(stream))

        self.env.run(until=scenario.horizon)
        log.debug("replication %d ended at %.1f min with %d tasks", self.replication, self.env.now, len(self.tasks))

        return ReplicationOutput(
            replication=self.replication,
            horizon=scenario.horizon,
            activation_time=self.activation_time,
            tasks=self.tasks,
            resources=self.resources,
            acquisitions=self.acquisitions,
            group_of={task_type.id: task_type.group for task_type in scenario.task_types.values()},
        )

    def _inject(self, inject):
        if inject.time > 0:
            yield self.env.timeout(inject.time)
        relay = self.scenario.relay_task
        if relay is None:
            for task_type in inject.tasks:
                self._create(task_type, "inject", inject.id, inject.time)
            return
        relay_record = self._create(relay, "relay", inject.id, inject.time)
        self.after_relay[relay_record.task_id] = ("inject", inject.tasks)

    def _stream(self, stream):
        arrivals = self._stream_arrivals(stream)
        for index, time in enumerate(arrivals):
            if time > self.env.now:
                yield self.env.timeout(time - self.env.now)
            label = f"{stream.id}#{index + 1}"
            if stream.relayed and self.scenario.relay_task is not None:
                record = self._create(self.scenario.relay_task, "relay", label, time)
                self.after_relay[record.task_id] = ("stream", (stream.task,))
            else:
                self._create(stream.task, "stream", label, time)

    def _stream_arrivals(self, stream) -> list[float]:
        """Draw the arrival times of a piecewise-constant Poisson process up to the horizon."""

        rng = self.streams.stream("stream", stream.id)
        horizon = self.scenario.horizon
        arrivals: list[float] = []
        segments = stream.rates
        for position, segment in enumerate(segments):
            end = segments[position + 1].start if position + 1 < len(segments) else horizon
            end = min(end, horizon)
            rate = segment.per_hour / 60.0
            if rate <= 0 or segment.start >= end:
                continue
            time = segment.start
            while True:
                time += rng.exponential(1.0 / rate)
                if time >= end:
                    break
                arrivals.append(time)
        return arrivals

    def _create(self, task_type_id: str, origin: str, inject_id: str | None, inject_time: float,
                parent_id: int | None = None) -> TaskRecord:
        record = TaskRecord(len(self.tasks), task_type_id, origin, inject_id, inject_time, self.env.now, parent_id)
        task_type = self.scenario.task_types[task_type_id]
        record.duration = task_type.duration.sample(self.streams.stream("duration", task_type_id))
        self.tasks.append(record)
        self.env.process(self._serve(record, task_type))
        return record

    def _serve(self, record: TaskRecord, task_type: TaskType):
        env = self.env
        needs = self.needs[task_type.id]

        # Wait, holding nothing, until the HQ is open and every needed department is on site.
        ready_at, blocker = self.activation_time, ACTIVATION
        for index in needs:
            info = self.resources[index]
            if info.available_from > ready_at:
                ready_at, blocker = info.available_from, info.name
        if ready_at > env.now:
            record.waiting_for, record.waiting_since = blocker, env.now
            record.arrival_blocker, record.arrival_wait = blocker, None
            if math.isinf(ready_at):
                # NOTE: a needed department has no staff (allowed by allow_unstaffed); the task stays unfinished.
                return
            yield env.timeout(ready_at - env.now)
            record.arrival_wait = env.now - record.waiting_since
            record.waits[blocker] = record.waits.get(blocker, 0.0) + record.arrival_wait

        # Take the resources one at a time in the global order.
        granted = []
        priority = task_type.priority
        for index in needs:
            resource = self.simpy_resources[index]
            row = [record.task_id, index, env.now, None, None]
            self.acquisitions.append(row)
            request = resource.request(priority)
            if request is not None:
                name = self.resources[index].name
                record.waiting_for, record.waiting_since = name, env.now
                yield request
                record.waits[name] = record.waits.get(name, 0.0) + env.now - record.waiting_since
            row[3] = env.now
            granted.append((resource, row))
        record.waiting_for = None

        record.start = env.now
        yield env.timeout(record.duration)
        record.end = env.now
        for resource, row in granted:
            resource.release()
            row[4] = env.now

        self._release_follow_ups(record, task_type)

    def _release_follow_ups(self, record: TaskRecord, task_type: TaskType) -> None:
        if record.origin == "relay":
            origin, task_type_ids = self.after_relay.pop(record.task_id)
            for task_type_id in task_type_ids:
                self._create(task_type_id, origin, record.inject_id, record.inject_time, record.task_id)

        if not task_type.follow_ups:
            return
        rng = self.streams.stream("follow_up", task_type.id)
        for entry in task_type.follow_ups:
            if isinstance(entry, FollowUpChoice):
                draw = rng.random()
                cumulative = 0.0
                for option in entry.options:
                    cumulative += option.probability
                    if draw < cumulative:
                        self._create(option.task, "follow_up", record.inject_id, record.inject_time, record.task_id)
                        break
            elif entry.probability >= 1.0 or rng.random() < entry.probability:
                self._create(entry.task, "follow_up", record.inject_id, record.inject_time, record.task_id)


def run_replication(scenario: Scenario, root_seed: int, replication: int) -> ReplicationOutput:
    """Run replication ``replication`` of ``scenario`` with streams derived from ``root_seed``."""

    return HQModel(scenario, root_seed, replication).run()
