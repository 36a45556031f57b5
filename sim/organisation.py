"""The organisation of the on-site command HQ: departments and working groups.

The responsibility table of the emergency plan lists working groups (工作组),
each with numbered duties (主要职责), one lead department (牵头部门) and
cooperating departments (配合部门). Departments are records of their own, so a
department that leads or cooperates in several groups is one resource in the
simulation, not one copy per group. The organisation is read from its own
YAML file, which scenarios reference by path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Department:
    """A unit that sends staff to the HQ; ``index`` fixes its place in the global resource order."""

    name: str
    name_en: str
    index: int


@dataclass(frozen=True, slots=True)
class Duty:
    """One numbered duty of a group, with the table's text."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Group:
    """One working group: one row of the responsibility table."""

    number: int
    name: str
    name_en: str
    duties: tuple[Duty, ...]
    lead: str
    cooperating: tuple[str, ...]
    cooperating_note: str = ""

    def duty(self, number: int) -> Duty | None:
        """Return the duty with ``number``, or None."""

        for duty in self.duties:
            if duty.number == number:
                return duty
        return None


@dataclass(frozen=True, slots=True)
class Organisation:
    """The whole table: departments in table order and groups by number."""

    name: str
    source: str
    departments: tuple[Department, ...]
    groups: tuple[Group, ...]
    path: str = ""

    def department(self, name: str) -> Department:
        """Return the department called ``name``; raise KeyError if there is none."""

        for department in self.departments:
            if department.name == name:
                return department
        raise KeyError(name)

    def group(self, name: str) -> Group:
        """Return the group called ``name``; raise KeyError if there is none."""

        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(name)

    @property
    def department_names(self) -> list[str]:
        """Department names in table order."""

        return [department.name for department in self.departments]

    @property
    def group_names(self) -> list[str]:
        """Group names in number order."""

        return [group.name for group in self.groups]

    def roles(self) -> dict[str, dict[str, str]]:
        """Return, per department, the groups it leads ('牵头') or cooperates in ('配合')."""

        roles: dict[str, dict[str, str]] = {name: {} for name in self.department_names}
        for group in self.groups:
            roles[group.lead][group.name] = "牵头"
            for name in group.cooperating:
                roles[name].setdefault(group.name, "配合")
        return roles
