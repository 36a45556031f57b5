"""The scenario: one parameter object for a whole simulated response.

A scenario bundles the organisation, the staffing of departments and groups,
the task types derived from the groups' duties, the timed injects (情景注入),
background streams of tasks, time targets and the horizon. All classes here
are frozen dataclasses with slots, so a misspelt attribute raises instead of
being silently ignored. :meth:`Scenario.with_staffing` applies a named
staffing option, which overrides only the staff and team counts it lists.

Scenarios are built by :func:`sim.loader.load_scenario`, which validates the
file; this module holds only the validated model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sim.distributions import Distribution
from sim.errors import IssueCollector
from sim.organisation import Organisation


@dataclass(frozen=True, slots=True)
class DepartmentStaffing:
    """On-site staff of one department and its mobilisation delay after HQ activation."""

    staff: int
    mobilisation: Distribution


@dataclass(frozen=True, slots=True)
class Target:
    """A time target: ``to`` (task start or end) minus ``from_`` must be at most ``minutes``.

    ``from_`` is 'accident' (time 0), 'inject' (the time of the inject that
    caused the task) or 'created' (the time the task was created).
    """

    id: str
    name: str
    name_en: str
    minutes: float
    from_: str
    to: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A task type released when a task ends, with probability ``probability``."""

    task: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class FollowUpChoice:
    """At most one of ``options`` is released; their probabilities sum to at most 1."""

    options: tuple[FollowUp, ...]


@dataclass(frozen=True, slots=True)
class TaskType:
    """A duty of a group made concrete: duration, needed departments, priority, target, follow-ups."""

    id: str
    group: str
    duty: int
    duration: Distribution
    requires: tuple[str, ...] = ()
    priority: int = 3
    target: str | None = None
    follow_ups: tuple[FollowUp | FollowUpChoice, ...] = ()
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Inject:
    """One entry of the Master Scenario Events List: a time, a description, and the tasks it creates."""

    id: str
    time: float
    description: str
    tasks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RateSegment:
    """A Poisson rate ``per_hour`` in force from ``start`` (minutes) until the next segment."""

    start: float
    per_hour: float


@dataclass(frozen=True, slots=True)
class Stream:
    """Background tasks arriving as a Poisson process with a piecewise-constant rate."""

    id: str
    task: str
    rates: tuple[RateSegment, ...]
    relayed: bool = False


@dataclass(frozen=True, slots=True)
class StaffingOption:
    """A named set of overrides: staff per department and teams per group."""

    name: str
    description: str = ""
    staff: tuple[tuple[str, int], ...] = ()
    mobilisation: tuple[tuple[str, Distribution], ...] = ()
    teams: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario with one staffing option applied (``staffing_name``)."""

    name: str
    name_en: str
    description: str
    path: str
    source_hash: str
    organisation: Organisation
    horizon: float
    hq_activation: Distribution
    relay_task: str | None
    departments: dict[str, DepartmentStaffing]
    teams: dict[str, int]
    targets: dict[str, Target]
    task_types: dict[str, TaskType]
    injects: tuple[Inject, ...]
    streams: tuple[Stream, ...]
    staffing_options: dict[str, StaffingOption]
    default_staffing: str
    staffing_name: str = ""
    allow_unstaffed: bool = False
    extra: dict = field(default_factory=dict)
    base_departments: dict[str, DepartmentStaffing] | None = None
    """Departments as the scenario file gives them, before any staffing option (set by ``with_staffing``)."""
    base_teams: dict[str, int] | None = None
    """Teams as the scenario file gives them, before any staffing option (set by ``with_staffing``)."""

    @property
    def file_departments(self) -> dict[str, DepartmentStaffing]:
        """Departments as the scenario file gives them, with no staffing option applied."""

        return self.base_departments if self.base_departments is not None else self.departments

    @property
    def file_teams(self) -> dict[str, int]:
        """Teams per group as the scenario file gives them, with no staffing option applied."""

        return self.base_teams if self.base_teams is not None else self.teams

    def with_staffing(self, name: str | None) -> "Scenario":
        """Return a copy with staffing option ``name`` applied (the default option when None).

        Raises :class:`sim.errors.ScenarioError` when the option does not exist
        or leaves a needed department with no staff.
        """

        from sim.checks import suggest
        from sim.loader import check_staffed

        name = name or self.default_staffing
        collector = IssueCollector(self.path)
        if name not in self.staffing_options:
            choices = "、".join(self.staffing_options) or "（无）"
            collector.add(
                "staffing", f"找不到人员配置方案“{name}”。", f"Staffing option '{name}' not found.", name,
                hint_zh=f"可用方案：{choices}。{suggest(name, self.staffing_options, 'zh')}",
                hint_en=f"Available: {', '.join(self.staffing_options)}. {suggest(name, self.staffing_options, 'en')}",
            )
            collector.raise_if_any()

        # Options always apply to the file's own values, so applying B after A does not stack them.
        option = self.staffing_options[name]
        departments = dict(self.file_departments)
        for department, staff in option.staff:
            departments[department] = replace(departments[department], staff=staff)
        for department, mobilisation in option.mobilisation:
            departments[department] = replace(departments[department], mobilisation=mobilisation)
        teams = dict(self.file_teams)
        teams.update(dict(option.teams))

        staffed = replace(self, departments=departments, teams=teams, staffing_name=name,
                          base_departments=self.file_departments, base_teams=self.file_teams)
        check_staffed(staffed, collector, f"staffing.{name}")
        collector.raise_if_any()
        return staffed

    def needed_departments(self, task_type: TaskType) -> tuple[str, ...]:
        """Return the lead department of the task's group followed by its required departments."""

        lead = self.organisation.group(task_type.group).lead
        return (lead,) + tuple(name for name in task_type.requires if name != lead)
