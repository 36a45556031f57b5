"""Loading and validating organisation and scenario files.

Every file is untrusted: it is read with :mod:`sim.yamlio` and each field is
checked against the format in ``docs/scenario-format.md``. Problems are
collected, not raised one at a time, and reported together as a
:class:`sim.errors.ScenarioError` whose issues name the file, line, field path
and value and suggest a fix. Names that do not exist get the closest existing
name as a suggestion.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from pathlib import Path

from sim.distributions import parse_distribution
from sim.errors import IssueCollector, ScenarioError
from sim.organisation import Department, Duty, Group, Organisation
from sim.scenario import (
    DepartmentStaffing,
    FollowUp,
    FollowUpChoice,
    Inject,
    RateSegment,
    Scenario,
    StaffingOption,
    Stream,
    Target,
    TaskType,
)
from sim.timefmt import parse_time
from sim.yamlio import load_yaml_file

ORGANISATION_SCHEMA = "hqsim-organisation/1"
SCENARIO_SCHEMA = "hqsim-scenario/1"

MAX_INJECTS = 10_000
MAX_TASK_TYPES = 2_000
MAX_STAFF = 1_000
MAX_TEAMS = 200
MAX_HORIZON = 30 * 24 * 60.0
MAX_RATE_PER_HOUR = 600.0
"""Limits that keep one replication to seconds; real scenarios stay far below them."""

TARGET_FROM = ("accident", "inject", "created")
TARGET_TO = ("start", "end")

_ORGANISATION_KEYS = {"schema", "name", "source", "departments", "groups", "variant_of", "note"}
_SCENARIO_KEYS = {
    "schema", "name", "name_en", "description", "organisation", "horizon", "hq_activation",
    "relay_task", "departments", "groups", "targets", "task_types", "injects", "streams",
    "staffing", "default_staffing", "allow_unstaffed", "accident",
}


def suggest(name: object, choices, lang: str = "zh") -> str:
    """Return a 'did you mean' sentence for the closest of ``choices``, or ''."""

    matches = difflib.get_close_matches(str(name), [str(choice) for choice in choices], n=1, cutoff=0.4)
    if not matches:
        return ""
    return f"是否应为“{matches[0]}”？" if lang == "zh" else f"Did you mean '{matches[0]}'?"


def file_hash(*paths: str | Path) -> str:
    """Return the SHA-256 of the concatenated bytes of ``paths``."""

    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- helpers


class _Checker:
    """Typed field access that records an issue and returns None on a bad value."""

    def __init__(self, collector: IssueCollector):
        self.c = collector

    def mapping(self, value, path, what_zh, what_en):
        if isinstance(value, dict):
            return value
        self.c.add(path, f"{what_zh}应为映射（键: 值）。", f"{what_en} must be a mapping (key: value).",
                   _type_name(value), "请参照 docs/scenario-format.md 中的示例。",
                   "See the examples in docs/scenario-format.md.")
        return None

    def sequence(self, value, path, what_zh, what_en):
        if isinstance(value, list):
            return value
        self.c.add(path, f"{what_zh}应为列表（每项以“- ”开头）。", f"{what_en} must be a list (items start with '- ').",
                   _type_name(value))
        return None

    def unknown_keys(self, data: dict, allowed: set[str], path: str):
        for key in data:
            if key not in allowed:
                child = f"{path}.{key}" if path else key
                self.c.add(child, f"未知字段“{key}”。", f"Unknown field '{key}'.", key,
                           suggest(key, allowed, "zh") or f"允许的字段：{', '.join(sorted(allowed))}。",
                           suggest(key, allowed, "en") or f"Allowed fields: {', '.join(sorted(allowed))}.")

    def text(self, data: dict, key: str, path: str, required: bool = True, default: str = ""):
        child = f"{path}.{key}" if path else key
        if key not in data or data[key] is None:
            if required:
                self.c.add(child, f"缺少必填字段“{key}”。", f"Missing required field '{key}'.")
            return default
        value = data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            self.c.add(child, "应为非空文字。", "Must be non-empty text.", value)
            return default
        return value.strip()

    def integer(self, data: dict, key: str, path: str, low: int, high: int, default=None, required=False):
        child = f"{path}.{key}" if path else key
        if key not in data:
            if required:
                self.c.add(child, f"缺少必填字段“{key}”。", f"Missing required field '{key}'.")
            return default
        value = data[key]
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.c.add(child, f"应为 {low} 到 {high} 之间的整数。", f"Must be a whole number from {low} to {high}.", value)
            return default
        if not low <= value <= high:
            self.c.add(child, f"应在 {low} 到 {high} 之间。", f"Must be from {low} to {high}.", value,
                       "超出上限的规模会让一次运行耗时过长。" if value > high else "",
                       "Sizes above the limit would make one run take too long." if value > high else "")
            return default
        return value

    def number(self, data: dict, key: str, path: str, low: float, high: float, default=None,
               required=False, low_inclusive=True):
        child = f"{path}.{key}" if path else key
        if key not in data:
            if required:
                self.c.add(child, f"缺少必填字段“{key}”。", f"Missing required field '{key}'.")
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.c.add(child, "应为有限数字。", "Must be a finite number.", value)
            return default
        too_low = value < low if low_inclusive else value <= low
        if too_low or value > high:
            bound = "≥" if low_inclusive else ">"
            self.c.add(child, f"应在 {bound}{low:g} 且 ≤{high:g} 的范围内。",
                       f"Must be {bound} {low:g} and <= {high:g}.", value)
            return default
        return float(value)

    def time(self, data: dict, key: str, path: str, required=True, default=None):
        child = f"{path}.{key}" if path else key
        if key not in data:
            if required:
                self.c.add(child, f"缺少必填字段“{key}”。", f"Missing required field '{key}'.")
            return default
        value = data[key]
        try:
            minutes = parse_time(value)
        except ValueError:
            self.c.add(child, "时间格式无效。", "Invalid time.", value,
                       "请写事故发生后的分钟数，或带引号的 \"HH:MM\"（如 \"01:30\"）。",
                       "Write minutes after the accident, or a quoted \"HH:MM\" such as \"01:30\".")
            return default
        if minutes < 0:
            self.c.add(child, "时间不能早于事故发生（负数）。", "A time cannot be before the accident (negative).", value)
            return default
        return minutes

    def distribution(self, data: dict, key: str, path: str, required=True):
        child = f"{path}.{key}" if path else key
        if key not in data:
            if required:
                self.c.add(child, f"缺少必填字段“{key}”。", f"Missing required field '{key}'.",
                           hint_zh="例如 {dist: triangular, min: 3, mode: 5, max: 10}。",
                           hint_en="For example {dist: triangular, min: 3, mode: 5, max: 10}.")
            return None
        try:
            return parse_distribution(data[key])
        except ValueError as error:
            zh, _, en = str(error).partition("|")
            self.c.add(child, f"分布无效：{zh}。", f"Invalid distribution: {en}.", data[key])
            return None

    def name_ref(self, value, choices, path, what_zh, what_en):
        if isinstance(value, str) and value in choices:
            return value
        self.c.add(path, f"找不到{what_zh}“{value}”。", f"{what_en} '{value}' not found.", value,
                   suggest(value, choices, "zh"), suggest(value, choices, "en"))
        return None


def _type_name(value) -> str:
    return {dict: "映射 mapping", list: "列表 list", str: "文字 text", type(None): "空 empty"}.get(
        type(value), type(value).__name__)


def _require_top_mapping(data, collector: IssueCollector) -> dict:
    if not isinstance(data, dict):
        collector.add("", "文件顶层应为映射（键: 值），而不是列表或单个值。",
                      "The top level of the file must be a mapping (key: value), not a list or a single value.",
                      _type_name(data), "请参照 scenarios/default.yaml 的结构。", "Follow the layout of scenarios/default.yaml.")
        raise ScenarioError(collector.issues)
    return data


# ---------------------------------------------------------------- organisation


def load_organisation(path: str | Path, display_name: str | None = None) -> Organisation:
    """Load and validate an organisation file; raise ScenarioError listing every problem."""

    data, collector = load_yaml_file(path, display_name)
    organisation = parse_organisation(data, collector, str(path))
    collector.raise_if_any()
    return organisation


def parse_organisation(data, collector: IssueCollector, path: str = "") -> Organisation:
    """Build an Organisation from parsed YAML, recording problems in ``collector``."""

    check = _Checker(collector)
    data = _require_top_mapping(data, collector)
    check.unknown_keys(data, _ORGANISATION_KEYS, "")
    if data.get("schema") != ORGANISATION_SCHEMA:
        collector.add("schema", f"schema 应为 {ORGANISATION_SCHEMA}。", f"schema must be {ORGANISATION_SCHEMA}.",
                      data.get("schema"), "请确认这是组织架构文件，而不是情景文件。",
                      "Check that this is an organisation file, not a scenario file.")

    departments: list[Department] = []
    seen: set[str] = set()
    for index, item in enumerate(check.sequence(data.get("departments"), "departments", "departments", "departments") or []):
        item_path = f"departments[{index}]"
        item = check.mapping(item, item_path, "部门", "A department")
        if item is None:
            continue
        check.unknown_keys(item, {"name", "name_en"}, item_path)
        name = check.text(item, "name", item_path)
        if not name:
            continue
        if name in seen:
            collector.add(f"{item_path}.name", f"部门“{name}”重复。", f"Department '{name}' is listed twice.", name,
                          "每个部门只列一次；它可以在多个工作组中牵头或配合。",
                          "List each department once; it may lead or cooperate in several groups.")
            continue
        seen.add(name)
        departments.append(Department(name, check.text(item, "name_en", item_path, required=False), len(departments)))

    names = [department.name for department in departments]
    groups: list[Group] = []
    group_names: set[str] = set()
    numbers: set[int] = set()
    for index, item in enumerate(check.sequence(data.get("groups"), "groups", "groups", "groups") or []):
        item_path = f"groups[{index}]"
        item = check.mapping(item, item_path, "工作组", "A group")
        if item is None:
            continue
        check.unknown_keys(item, {"number", "name", "name_en", "duties", "lead", "cooperating", "cooperating_note"}, item_path)
        number = check.integer(item, "number", item_path, 1, 999, required=True)
        name = check.text(item, "name", item_path)
        if number in numbers:
            collector.add(f"{item_path}.number", f"工作组序号 {number} 重复。", f"Group number {number} is used twice.", number)
        if name in group_names:
            collector.add(f"{item_path}.name", f"工作组“{name}”重复。", f"Group '{name}' is listed twice.", name)
        numbers.add(number)
        group_names.add(name)

        duties = []
        for duty_index, duty in enumerate(check.sequence(item.get("duties"), f"{item_path}.duties", "duties", "duties") or []):
            duty_path = f"{item_path}.duties[{duty_index}]"
            duty = check.mapping(duty, duty_path, "职责", "A duty")
            if duty is None:
                continue
            check.unknown_keys(duty, {"number", "text"}, duty_path)
            duty_number = check.integer(duty, "number", duty_path, 1, 99, required=True)
            duties.append(Duty(duty_number or 0, check.text(duty, "text", duty_path)))

        lead = check.name_ref(item.get("lead"), names, f"{item_path}.lead", "牵头部门", "Lead department")
        cooperating = []
        for coop_index, coop in enumerate(check.sequence(item.get("cooperating", []), f"{item_path}.cooperating",
                                                         "cooperating", "cooperating") or []):
            ref = check.name_ref(coop, names, f"{item_path}.cooperating[{coop_index}]", "配合部门", "Cooperating department")
            if ref:
                cooperating.append(ref)
        groups.append(Group(
            number=number or 0,
            name=name,
            name_en=check.text(item, "name_en", item_path, required=False),
            duties=tuple(duties),
            lead=lead or "",
            cooperating=tuple(cooperating),
            cooperating_note=check.text(item, "cooperating_note", item_path, required=False),
        ))

    groups.sort(key=lambda group: group.number)
    return Organisation(
        name=check.text(data, "name", ""),
        source=check.text(data, "source", "", required=False),
        departments=tuple(departments),
        groups=tuple(groups),
        path=path,
    )


# ---------------------------------------------------------------- scenario


def load_scenario(path: str | Path, staffing: str | None = None, display_name: str | None = None,
                  organisation_dirs: list[Path] | None = None) -> Scenario:
    """Load, validate and apply a staffing option to the scenario at ``path``.

    ``staffing`` is the name of a staffing option (the scenario's default when
    None). ``organisation_dirs``, when given, restricts where the referenced
    organisation file may live (used for uploaded files). Raises
    :class:`ScenarioError` with every problem found in either file.
    """

    path = Path(path)
    data, collector = load_yaml_file(path, display_name)
    data = _require_top_mapping(data, collector)

    organisation, organisation_path = _load_referenced_organisation(data, path, collector, organisation_dirs)
    scenario = parse_scenario(data, collector, organisation, str(display_name or path))
    collector.raise_if_any()

    hash_inputs = [path] + ([organisation_path] if organisation_path else [])
    scenario = _replace_hash(scenario, file_hash(*hash_inputs))
    return scenario.with_staffing(staffing)


def _replace_hash(scenario: Scenario, digest: str) -> Scenario:
    from dataclasses import replace

    return replace(scenario, source_hash=digest)


def _load_referenced_organisation(data: dict, path: Path, collector: IssueCollector,
                                  organisation_dirs: list[Path] | None):
    reference = data.get("organisation")
    if not isinstance(reference, str) or not reference.strip():
        collector.add("organisation", "缺少组织架构文件路径。", "Missing the organisation file path.", reference,
                      "例如 organisation: organisation/shenzhen-2017.yaml。",
                      "For example organisation: organisation/shenzhen-2017.yaml.")
        raise ScenarioError(collector.issues)

    organisation_path = (path.parent / reference).resolve()
    if organisation_dirs is not None:
        allowed = [Path(directory).resolve() for directory in organisation_dirs]
        if not any(organisation_path.is_relative_to(directory) for directory in allowed):
            collector.add("organisation", "组织架构文件必须位于项目的 scenarios/organisation 目录中。",
                          "The organisation file must be inside the project's scenarios/organisation folder.",
                          reference, "请使用内置的组织架构文件名，例如 organisation/shenzhen-2017.yaml。",
                          "Use a built-in organisation file such as organisation/shenzhen-2017.yaml.")
            raise ScenarioError(collector.issues)

    if not organisation_path.is_file():
        collector.add("organisation", "找不到引用的组织架构文件。", "The referenced organisation file was not found.",
                      reference, f"路径相对于情景文件所在目录 {path.parent}。",
                      f"The path is relative to the scenario's folder {path.parent}.")
        raise ScenarioError(collector.issues)

    try:
        organisation = load_organisation(organisation_path)
    except ScenarioError as error:
        raise ScenarioError(collector.issues + error.issues) from None
    return organisation, organisation_path


def parse_scenario(data: dict, collector: IssueCollector, organisation: Organisation, path: str = "") -> Scenario:
    """Build a Scenario (with no staffing option applied yet) from parsed YAML."""

    check = _Checker(collector)
    check.unknown_keys(data, _SCENARIO_KEYS, "")
    if data.get("schema") != SCENARIO_SCHEMA:
        collector.add("schema", f"schema 应为 {SCENARIO_SCHEMA}。", f"schema must be {SCENARIO_SCHEMA}.",
                      data.get("schema"))

    horizon = check.time(data, "horizon", "")
    if horizon is not None and not 0 < horizon <= MAX_HORIZON:
        collector.add("horizon", f"模拟时长应大于 0 且不超过 {MAX_HORIZON / 60:g} 小时。",
                      f"The horizon must be above 0 and at most {MAX_HORIZON / 60:g} hours.", data.get("horizon"))
        horizon = None

    departments = _parse_departments(data, check, organisation)
    teams = _parse_teams(data, check, organisation)
    targets = _parse_targets(data, check)
    task_types = _parse_task_types(data, check, organisation, targets)
    _check_follow_up_cycles(task_types, collector)

    relay_task = data.get("relay_task")
    if relay_task is not None:
        relay_task = check.name_ref(relay_task, task_types, "relay_task", "任务类型", "Task type")

    injects = _parse_injects(data, check, task_types, horizon)
    streams = _parse_streams(data, check, task_types, horizon)
    options = _parse_staffing_options(data, check, organisation)

    default_staffing = data.get("default_staffing", next(iter(options), "基准"))
    if not options:
        options = {"基准": StaffingOption("基准", "情景文件中的配置")}
        default_staffing = "基准"
    elif default_staffing not in options:
        check.name_ref(default_staffing, options, "default_staffing", "人员配置方案", "Staffing option")
        default_staffing = next(iter(options))

    allow_unstaffed = data.get("allow_unstaffed", False)
    if not isinstance(allow_unstaffed, bool):
        collector.add("allow_unstaffed", "应为 true 或 false。", "Must be true or false.", allow_unstaffed)
        allow_unstaffed = False

    return Scenario(
        name=check.text(data, "name", ""),
        name_en=check.text(data, "name_en", "", required=False),
        description=check.text(data, "description", "", required=False),
        path=path,
        source_hash="",
        organisation=organisation,
        horizon=horizon or 0.0,
        hq_activation=check.distribution(data, "hq_activation", "") or parse_distribution(0),
        relay_task=relay_task,
        departments=departments,
        teams=teams,
        targets=targets,
        task_types=task_types,
        injects=tuple(injects),
        streams=tuple(streams),
        staffing_options=options,
        default_staffing=default_staffing,
        allow_unstaffed=allow_unstaffed,
        extra={"accident": data.get("accident")} if data.get("accident") is not None else {},
    )


def _parse_departments(data, check: _Checker, organisation: Organisation) -> dict[str, DepartmentStaffing]:
    section = check.mapping(data.get("departments", {}), "departments", "departments", "departments") or {}
    default_spec = section.get("default", {"staff": 1, "mobilisation": 0})
    default_path = "departments.default"
    default_spec = check.mapping(default_spec, default_path, "默认部门配置", "The default department entry") or {}
    check.unknown_keys(default_spec, {"staff", "mobilisation"}, default_path)
    default_staff = check.integer(default_spec, "staff", default_path, 0, MAX_STAFF, default=1)
    default_mobilisation = check.distribution(default_spec, "mobilisation", default_path, required=False) \
        or parse_distribution(0)

    result = {name: DepartmentStaffing(default_staff, default_mobilisation) for name in organisation.department_names}
    for name, spec in section.items():
        if name == "default":
            continue
        item_path = f"departments.{name}"
        if check.name_ref(name, organisation.department_names, item_path, "部门", "Department") is None:
            continue
        spec = check.mapping(spec, item_path, "部门配置", "A department entry")
        if spec is None:
            continue
        check.unknown_keys(spec, {"staff", "mobilisation"}, item_path)
        staff = check.integer(spec, "staff", item_path, 0, MAX_STAFF, default=default_staff)
        mobilisation = check.distribution(spec, "mobilisation", item_path, required=False) or default_mobilisation
        result[name] = DepartmentStaffing(staff, mobilisation)
    return result


def _parse_teams(data, check: _Checker, organisation: Organisation) -> dict[str, int]:
    section = check.mapping(data.get("groups", {}), "groups", "groups", "groups") or {}
    default_spec = check.mapping(section.get("default", {"teams": 1}), "groups.default", "默认工作组配置",
                                 "The default group entry") or {}
    check.unknown_keys(default_spec, {"teams"}, "groups.default")
    default_teams = check.integer(default_spec, "teams", "groups.default", 1, MAX_TEAMS, default=1)

    result = {name: default_teams for name in organisation.group_names}
    for name, spec in section.items():
        if name == "default":
            continue
        item_path = f"groups.{name}"
        if check.name_ref(name, organisation.group_names, item_path, "工作组", "Group") is None:
            continue
        spec = check.mapping(spec, item_path, "工作组配置", "A group entry")
        if spec is None:
            continue
        check.unknown_keys(spec, {"teams"}, item_path)
        result[name] = check.integer(spec, "teams", item_path, 1, MAX_TEAMS, default=default_teams)
    return result


def _parse_targets(data, check: _Checker) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for index, item in enumerate(check.sequence(data.get("targets", []), "targets", "targets", "targets") or []):
        item_path = f"targets[{index}]"
        item = check.mapping(item, item_path, "时间目标", "A target")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "name", "name_en", "minutes", "from", "to", "source", "note"}, item_path)
        target_id = check.text(item, "id", item_path)
        if target_id in targets:
            check.c.add(f"{item_path}.id", f"时间目标“{target_id}”重复。", f"Target '{target_id}' is defined twice.",
                        target_id, "请为每个目标使用不同的 id。", "Give each target its own id.")
            continue
        minutes = check.number(item, "minutes", item_path, 0, MAX_HORIZON, required=True, low_inclusive=False)
        origin = item.get("from", "accident")
        if origin not in TARGET_FROM:
            check.c.add(f"{item_path}.from", f"应为 {' / '.join(TARGET_FROM)} 之一。",
                        f"Must be one of {', '.join(TARGET_FROM)}.", origin, suggest(origin, TARGET_FROM, "zh"),
                        suggest(origin, TARGET_FROM, "en"))
        moment = item.get("to", "end")
        if moment not in TARGET_TO:
            check.c.add(f"{item_path}.to", "应为 start 或 end。", "Must be start or end.", moment)
        if not target_id or minutes is None:
            continue
        targets[target_id] = Target(
            id=target_id,
            name=check.text(item, "name", item_path, required=False, default=target_id),
            name_en=check.text(item, "name_en", item_path, required=False),
            minutes=minutes,
            from_=origin if origin in TARGET_FROM else "accident",
            to=moment if moment in TARGET_TO else "end",
            source=check.text(item, "source", item_path, required=False),
        )
    return targets


def _parse_follow_up(item, path, check: _Checker, names) -> FollowUp | None:
    item = check.mapping(item, path, "后续任务", "A follow-up")
    if item is None:
        return None
    check.unknown_keys(item, {"task", "probability"}, path)
    probability = check.number(item, "probability", path, 0.0, 1.0, default=1.0)
    task = item.get("task")
    if task is None:
        check.c.add(f"{path}.task", "缺少必填字段“task”。", "Missing required field 'task'.")
        return None
    return FollowUp(str(task), probability if probability is not None else 1.0)


def _parse_task_types(data, check: _Checker, organisation: Organisation, targets) -> dict[str, TaskType]:
    items = check.sequence(data.get("task_types"), "task_types", "task_types", "task_types") or []
    if len(items) > MAX_TASK_TYPES:
        check.c.add("task_types", f"任务类型过多（{len(items)} 个，上限 {MAX_TASK_TYPES}）。",
                    f"Too many task types ({len(items)}, limit {MAX_TASK_TYPES}).", len(items))
        return {}

    raw_ids = [item.get("id") for item in items if isinstance(item, dict)]
    task_types: dict[str, TaskType] = {}
    pending_refs: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        item_path = f"task_types[{index}]"
        item = check.mapping(item, item_path, "任务类型", "A task type")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "name_en", "group", "duty", "duration", "requires", "priority",
                                  "target", "follow_ups", "note"}, item_path)
        task_id = check.text(item, "id", item_path)
        if task_id in task_types:
            check.c.add(f"{item_path}.id", f"任务类型“{task_id}”重复。", f"Task type '{task_id}' is defined twice.",
                        task_id, "请删除重复项或改用不同的 id。", "Remove the duplicate or use another id.")
            continue

        group_name = check.name_ref(item.get("group"), organisation.group_names, f"{item_path}.group", "工作组", "Group")
        duty = check.integer(item, "duty", item_path, 1, 99, default=1)
        if group_name and duty is not None and organisation.group(group_name).duty(duty) is None:
            numbers = [d.number for d in organisation.group(group_name).duties]
            check.c.add(f"{item_path}.duty", f"工作组“{group_name}”没有第 {duty} 项职责。",
                        f"Group '{group_name}' has no duty {duty}.", duty,
                        f"可用职责序号：{numbers}。", f"Its duties are numbered {numbers}.")

        requires = []
        for req_index, name in enumerate(check.sequence(item.get("requires", []), f"{item_path}.requires",
                                                        "requires", "requires") or []):
            ref = check.name_ref(name, organisation.department_names, f"{item_path}.requires[{req_index}]",
                                 "部门", "Department")
            if ref and ref not in requires:
                requires.append(ref)

        target = item.get("target")
        if target is not None:
            target = check.name_ref(target, targets, f"{item_path}.target", "时间目标", "Target")

        follow_ups: list[FollowUp | FollowUpChoice] = []
        for fu_index, entry in enumerate(check.sequence(item.get("follow_ups", []), f"{item_path}.follow_ups",
                                                        "follow_ups", "follow_ups") or []):
            fu_path = f"{item_path}.follow_ups[{fu_index}]"
            if isinstance(entry, dict) and "one_of" in entry:
                check.unknown_keys(entry, {"one_of"}, fu_path)
                options = []
                for opt_index, option in enumerate(check.sequence(entry["one_of"], f"{fu_path}.one_of",
                                                                  "one_of", "one_of") or []):
                    parsed = _parse_follow_up(option, f"{fu_path}.one_of[{opt_index}]", check, raw_ids)
                    if parsed:
                        options.append(parsed)
                        pending_refs.append((parsed.task, f"{fu_path}.one_of[{opt_index}].task"))
                total = sum(option.probability for option in options)
                if total > 1 + 1e-9:
                    check.c.add(f"{fu_path}.one_of", f"互斥后续任务的概率之和为 {total:g}，超过 1。",
                                f"The probabilities of mutually exclusive follow-ups sum to {total:g}, above 1.",
                                [option.probability for option in options],
                                "请调整概率，使其总和不超过 1（剩余部分表示不触发任何后续任务）。",
                                "Adjust them to sum to at most 1 (the rest means no follow-up).")
                follow_ups.append(FollowUpChoice(tuple(options)))
            else:
                parsed = _parse_follow_up(entry, fu_path, check, raw_ids)
                if parsed:
                    follow_ups.append(parsed)
                    pending_refs.append((parsed.task, f"{fu_path}.task"))

        duration = check.distribution(item, "duration", item_path)
        priority = check.integer(item, "priority", item_path, 1, 9, default=3)
        if not task_id or not group_name or duration is None:
            continue
        task_types[task_id] = TaskType(
            id=task_id, group=group_name, duty=duty or 1, duration=duration, requires=tuple(requires),
            priority=priority or 3, target=target, follow_ups=tuple(follow_ups),
            name_en=check.text(item, "name_en", item_path, required=False),
        )

    valid_ids = set(task_types) | {str(i) for i in raw_ids if i is not None}
    for task, ref_path in pending_refs:
        if task not in valid_ids:
            check.name_ref(task, valid_ids, ref_path, "任务类型", "Task type")
    return task_types


def _check_follow_up_cycles(task_types: dict[str, TaskType], collector: IssueCollector) -> None:
    """Record an issue for each cycle in the follow-up graph (depth-first search)."""

    def successors(task_id):
        for entry in task_types[task_id].follow_ups:
            options = entry.options if isinstance(entry, FollowUpChoice) else (entry,)
            for option in options:
                if option.task in task_types:
                    yield option.task

    state: dict[str, int] = {}
    reported: set[frozenset] = set()
    for root in task_types:
        if state.get(root):
            continue
        stack = [(root, iter(successors(root)))]
        trail = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                trail.pop()
                continue
            if state.get(child) == 1:
                cycle = trail[trail.index(child):] + [child]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    index = list(task_types).index(child)
                    chain = " → ".join(cycle)
                    collector.add(f"task_types[{index}].follow_ups", f"后续任务构成循环：{chain}。",
                                  f"The follow-up tasks form a cycle: {chain}.", chain,
                                  "请删除其中一条后续关系，使任务链能够结束。",
                                  "Remove one of these follow-up links so the chain can end.")
            elif not state.get(child):
                state[child] = 1
                trail.append(child)
                stack.append((child, iter(successors(child))))


def _parse_injects(data, check: _Checker, task_types, horizon) -> list[Inject]:
    items = check.sequence(data.get("injects", []), "injects", "injects", "injects") or []
    if len(items) > MAX_INJECTS:
        check.c.add("injects", f"情景注入过多（{len(items)} 条，上限 {MAX_INJECTS}）。",
                    f"Too many injects ({len(items)}, limit {MAX_INJECTS}).", len(items),
                    "请拆分情景或改用背景任务流（streams）。", "Split the scenario or use background streams.")
        return []

    injects: list[Inject] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        item_path = f"injects[{index}]"
        item = check.mapping(item, item_path, "情景注入", "An inject")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "time", "description", "tasks", "note"}, item_path)
        inject_id = check.text(item, "id", item_path)
        if inject_id in seen:
            check.c.add(f"{item_path}.id", f"情景注入“{inject_id}”重复。", f"Inject '{inject_id}' is listed twice.",
                        inject_id, "请为每条注入使用不同的编号。", "Give each inject its own id.")
            continue
        seen.add(inject_id)
        time = check.time(item, "time", item_path)
        if time is not None and horizon is not None and time > horizon:
            check.c.add(f"{item_path}.time", "情景注入时间晚于模拟结束时间（horizon）。",
                        "The inject comes after the horizon.", item.get("time"),
                        "请延长 horizon，或删除/提前该注入。", "Extend the horizon, or move or remove the inject.")
            time = None
        tasks = []
        for task_index, task in enumerate(check.sequence(item.get("tasks"), f"{item_path}.tasks", "tasks", "tasks") or []):
            ref = check.name_ref(task, task_types, f"{item_path}.tasks[{task_index}]", "任务类型", "Task type")
            if ref:
                tasks.append(ref)
        description = check.text(item, "description", item_path)
        if inject_id and time is not None:
            injects.append(Inject(inject_id, time, description, tuple(tasks)))
    injects.sort(key=lambda inject: inject.time)
    return injects


def _parse_streams(data, check: _Checker, task_types, horizon) -> list[Stream]:
    streams: list[Stream] = []
    for index, item in enumerate(check.sequence(data.get("streams", []), "streams", "streams", "streams") or []):
        item_path = f"streams[{index}]"
        item = check.mapping(item, item_path, "背景任务流", "A stream")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "task", "relayed", "rates", "note"}, item_path)
        stream_id = check.text(item, "id", item_path)
        task = check.name_ref(item.get("task"), task_types, f"{item_path}.task", "任务类型", "Task type")
        relayed = item.get("relayed", False)
        if not isinstance(relayed, bool):
            check.c.add(f"{item_path}.relayed", "应为 true 或 false。", "Must be true or false.", relayed)
            relayed = False
        segments = []
        for seg_index, segment in enumerate(check.sequence(item.get("rates"), f"{item_path}.rates", "rates", "rates") or []):
            seg_path = f"{item_path}.rates[{seg_index}]"
            segment = check.mapping(segment, seg_path, "到达率分段", "A rate segment")
            if segment is None:
                continue
            check.unknown_keys(segment, {"from", "per_hour"}, seg_path)
            start = check.time(segment, "from", seg_path)
            rate = check.number(segment, "per_hour", seg_path, 0.0, MAX_RATE_PER_HOUR, required=True)
            if start is not None and segments and start <= segments[-1].start:
                check.c.add(f"{seg_path}.from", "到达率分段的起始时间必须递增。", "Rate segments must start in increasing time order.",
                            segment.get("from"))
                continue
            if start is not None and rate is not None:
                segments.append(RateSegment(start, rate))
        if stream_id and task and segments:
            streams.append(Stream(stream_id, task, tuple(segments), relayed))
    return streams


def _parse_staffing_options(data, check: _Checker, organisation: Organisation) -> dict[str, StaffingOption]:
    section = check.mapping(data.get("staffing", {}), "staffing", "staffing", "staffing") or {}
    options: dict[str, StaffingOption] = {}
    for name, spec in section.items():
        options[str(name)] = parse_staffing_option(str(name), spec, check, organisation, f"staffing.{name}")
    return options


def parse_staffing_option(name: str, spec, check: _Checker, organisation: Organisation, path: str) -> StaffingOption:
    """Build one StaffingOption from its mapping, recording problems via ``check``."""

    spec = check.mapping(spec if spec is not None else {}, path, "人员配置方案", "A staffing option") or {}
    check.unknown_keys(spec, {"description", "departments", "groups"}, path)
    staff, mobilisation, teams = [], [], []
    departments = check.mapping(spec.get("departments", {}), f"{path}.departments", "departments", "departments") or {}
    for department, values in departments.items():
        item_path = f"{path}.departments.{department}"
        if check.name_ref(department, organisation.department_names, item_path, "部门", "Department") is None:
            continue
        values = check.mapping(values, item_path, "部门配置", "A department entry") or {}
        check.unknown_keys(values, {"staff", "mobilisation"}, item_path)
        value = check.integer(values, "staff", item_path, 0, MAX_STAFF)
        if value is not None:
            staff.append((department, value))
        if "mobilisation" in values:
            distribution = check.distribution(values, "mobilisation", item_path)
            if distribution is not None:
                mobilisation.append((department, distribution))
    groups = check.mapping(spec.get("groups", {}), f"{path}.groups", "groups", "groups") or {}
    for group, values in groups.items():
        item_path = f"{path}.groups.{group}"
        if check.name_ref(group, organisation.group_names, item_path, "工作组", "Group") is None:
            continue
        values = check.mapping(values, item_path, "工作组配置", "A group entry") or {}
        check.unknown_keys(values, {"teams"}, item_path)
        value = check.integer(values, "teams", item_path, 1, MAX_TEAMS)
        if value is not None:
            teams.append((group, value))
    description = spec.get("description", "")
    return StaffingOption(name, str(description or ""), tuple(staff), tuple(mobilisation), tuple(teams))


def check_staffed(scenario: Scenario, collector: IssueCollector, path: str) -> None:
    """Record an issue for each task type that needs a department with no on-site staff.

    With ``allow_unstaffed: true`` in the scenario these tasks are run and
    recorded as unfinished instead; nothing is recorded then.
    """

    if scenario.allow_unstaffed:
        return
    for task_type in scenario.task_types.values():
        for department in scenario.needed_departments(task_type):
            if scenario.departments[department].staff == 0:
                collector.add(path, f"任务类型“{task_type.id}”需要“{department}”，但该部门现场人数为 0，任务将永远无法开始。",
                              f"Task type '{task_type.id}' needs '{department}', which has no on-site staff, so it could never start.",
                              department, "请为该部门配置至少 1 人，或在情景中写 allow_unstaffed: true（这些任务将记为未完成）。",
                              "Give that department at least 1 person, or set allow_unstaffed: true (those tasks are then recorded as unfinished).")
