"""Loading and validating organisation and scenario files.

Every file is untrusted: it is read with :mod:`sim.yamlio` and each field is
checked against the format in ``docs/scenario-format.md``. Problems are
collected, not raised one at a time, and reported together as a
:class:`sim.errors.ScenarioError` whose issues name the file, line, field path
and value and suggest a fix. Names that do not exist get the closest existing
name as a suggestion.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from sim.checks import FieldChecker, field_path, format_value, optional_mapping, require_top_mapping, suggest
from sim.distributions import parse_distribution
from sim.errors import Issue, IssueCollector, ScenarioError
from sim.limits import (
    MAX_HORIZON,
    MAX_INJECT_TASKS,
    MAX_INJECTS,
    MAX_RATE_PER_HOUR,
    MAX_STAFF,
    MAX_STREAM_ARRIVALS,
    MAX_TEAMS,
)
from sim.organisation import Department, Duty, Group, Organisation
from sim.scenario import (
    DepartmentStaffing,
    Inject,
    RateSegment,
    Scenario,
    StaffingOption,
    Stream,
    Target,
)
from sim.task_graph import check_follow_up_cycles, check_follow_up_growth, parse_task_types
from sim.timefmt import format_time
from sim.yamlio import load_yaml_file

ORGANISATION_SCHEMA = "hqsim-organisation/1"
SCENARIO_SCHEMA = "hqsim-scenario/1"

TARGET_FROM = ("accident", "inject", "created")
TARGET_TO = ("start", "end")

_ORGANISATION_KEYS = {"schema", "name", "source", "departments", "groups", "variant_of", "note"}
_SCENARIO_KEYS = {
    "schema", "name", "name_en", "description", "organisation", "horizon", "hq_activation",
    "relay_task", "departments", "groups", "targets", "task_types", "injects", "streams",
    "staffing", "default_staffing", "allow_unstaffed", "accident",
}


def file_hash(*paths: str | Path) -> str:
    """Return the SHA-256 of the concatenated bytes of ``paths``."""

    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- organisation


def load_organisation(path: str | Path, display_name: str | None = None) -> Organisation:
    """Load and validate an organisation file; raise ScenarioError listing every problem."""

    data, collector = load_yaml_file(path, display_name)
    organisation = parse_organisation(data, collector, str(path))
    collector.raise_if_any()
    return organisation


def parse_organisation(data, collector: IssueCollector, path: str = "") -> Organisation:
    """Build an Organisation from parsed YAML, recording problems in ``collector``."""

    check = FieldChecker(collector)
    data = require_top_mapping(data, collector)
    check.unknown_keys(data, _ORGANISATION_KEYS, "")
    if data.get("schema") != ORGANISATION_SCHEMA:
        collector.add("schema", f"schema 应为 {ORGANISATION_SCHEMA}。", f"schema must be {ORGANISATION_SCHEMA}.",
                      data.get("schema"), "请确认这是组织架构文件，而不是情景文件。",
                      "Check that this is an organisation file, not a scenario file.")

    departments: list[Department] = []
    first_paths: dict[str, str] = {}
    for index, item in enumerate(check.sequence(data.get("departments"), "departments", "部门列表（departments）",
                                                "The department list 'departments'") or []):
        item_path = f"departments[{index}]"
        item = check.mapping(item, item_path, "部门", "A department")
        if item is None:
            continue
        check.unknown_keys(item, {"name", "name_en"}, item_path)
        name = check.text(item, "name", item_path)
        if not name:
            continue
        if not check.first_use(name, f"{item_path}.name", first_paths, f"部门“{name}”重复",
                               f"Department '{name}' is listed twice",
                               "每个部门只列一次；它可以在多个工作组中牵头或配合，请删除重复项。",
                               "List each department once, because it may lead or cooperate in several groups; "
                               "remove the duplicate."):
            continue
        departments.append(Department(name, check.text(item, "name_en", item_path, required=False), len(departments)))

    names = [department.name for department in departments]
    groups: list[Group] = []
    group_paths: dict[str, str] = {}
    number_paths: dict[int, str] = {}
    for index, item in enumerate(check.sequence(data.get("groups"), "groups", "工作组列表（groups）",
                                                "The group list 'groups'") or []):
        item_path = f"groups[{index}]"
        item = check.mapping(item, item_path, "工作组", "A group")
        if item is None:
            continue
        check.unknown_keys(item, {"number", "name", "name_en", "duties", "lead", "cooperating", "cooperating_note"}, item_path)
        number = check.integer(item, "number", item_path, 1, 999, required=True)
        name = check.text(item, "name", item_path)
        check.first_use(number, f"{item_path}.number", number_paths, f"工作组序号 {number} 重复",
                        f"Group number {number} is used twice",
                        "请按 1、2、3… 为每个工作组编不同的序号。", "Number the groups 1, 2, 3 … without repeats.")
        check.first_use(name, f"{item_path}.name", group_paths, f"工作组“{name}”重复", f"Group '{name}' is listed twice",
                        "请删除重复项，或给它另取一个名称。", "Remove the duplicate or give it another name.")

        duties = []
        duty_paths: dict[int, str] = {}
        for duty_index, duty in enumerate(check.sequence(item.get("duties"), f"{item_path}.duties", "职责列表（duties）",
                                                         "The duty list 'duties'") or []):
            duty_path = f"{item_path}.duties[{duty_index}]"
            duty = check.mapping(duty, duty_path, "职责", "A duty")
            if duty is None:
                continue
            check.unknown_keys(duty, {"number", "text"}, duty_path)
            duty_number = check.integer(duty, "number", duty_path, 1, 99, required=True)
            check.first_use(duty_number, f"{duty_path}.number", duty_paths, f"职责序号 {duty_number} 重复",
                            f"Duty number {duty_number} is used twice",
                            "请按 1、2、3… 为每项职责编不同的序号。", "Number the duties 1, 2, 3 … without repeats.")
            duties.append(Duty(duty_number or 0, check.text(duty, "text", duty_path)))

        lead = check.name_ref(item.get("lead"), names, f"{item_path}.lead", "牵头部门", "Lead department")
        cooperating = []
        for coop_index, coop in enumerate(check.sequence(item.get("cooperating"), f"{item_path}.cooperating",
                                                         "配合部门列表（cooperating）", "The list 'cooperating'",
                                                         optional=True) or []):
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

    for key, items, what_zh, what_en in (("departments", departments, "部门", "department"),
                                         ("groups", groups, "工作组", "group")):
        if key in data and isinstance(data[key], list) and not data[key]:
            collector.add(key, f"至少需要一个{what_zh}。", f"At least one {what_en} is needed.", [],
                          "请参照 scenarios/organisation/shenzhen-2017.yaml 填写。",
                          "Fill it in after scenarios/organisation/shenzhen-2017.yaml.")

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
    data = require_top_mapping(data, collector)

    organisation, organisation_path = _load_referenced_organisation(data, path, collector, organisation_dirs)
    scenario = parse_scenario(data, collector, organisation, str(display_name or path))
    collector.raise_if_any()

    hash_inputs = [path] + ([organisation_path] if organisation_path else [])
    scenario = _replace_hash(scenario, file_hash(*hash_inputs))
    try:
        return scenario.with_staffing(staffing)
    except ScenarioError as error:
        raise ScenarioError([_locate(issue, collector) for issue in error.issues]) from None


def _locate(issue: Issue, collector: IssueCollector) -> Issue:
    """Return ``issue`` with the line of its field in the scenario file, if it names one.

    :meth:`Scenario.with_staffing` reports problems without the file's lines.
    A department that takes the default staff has no entry of its own, so its
    issue moves to ``departments.default.staff``.
    """

    path = issue.path
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "departments" and parts[2] == "staff" and path not in collector.lines \
            and f"departments.{parts[1]}" not in collector.lines:
        path = "departments.default.staff"
    if issue.line is not None or path == "staffing" or not path:
        return issue
    return replace(issue, path=path, line=collector.line_of(path))


def _replace_hash(scenario: Scenario, digest: str) -> Scenario:
    return replace(scenario, source_hash=digest)


def _load_referenced_organisation(data: dict, path: Path, collector: IssueCollector,
                                  organisation_dirs: list[Path] | None):
    reference = data.get("organisation")
    if not isinstance(reference, str) or not reference.strip():
        collector.add("organisation", "缺少组织架构文件路径。", "Missing the organisation file path.", reference,
                      "例如 organisation: organisation/shenzhen-2017.yaml。",
                      "For example organisation: organisation/shenzhen-2017.yaml.")
        raise ScenarioError(collector.issues)

    try:
        organisation_path = (path.parent / reference).resolve()
    except (OSError, ValueError, RuntimeError):
        organisation_path = None
    if organisation_path is None:
        collector.add("organisation", "组织架构文件路径无效。", "The organisation file path is invalid.", reference,
                      "请写相对于情景文件的路径，例如 organisation/shenzhen-2017.yaml。",
                      "Write a path relative to the scenario file, such as organisation/shenzhen-2017.yaml.")
        raise ScenarioError(collector.issues)
    if organisation_dirs is not None:
        allowed = [Path(directory).resolve() for directory in organisation_dirs]
        if not any(organisation_path.is_relative_to(directory) for directory in allowed):
            collector.add("organisation", "组织架构文件必须位于项目的 scenarios/organisation 目录中。",
                          "The organisation file must be inside the project's scenarios/organisation folder.",
                          reference, "请使用内置的组织架构文件名，例如 organisation/shenzhen-2017.yaml。",
                          "Use a built-in organisation file such as organisation/shenzhen-2017.yaml.")
            raise ScenarioError(collector.issues)

    try:
        found = organisation_path.is_file()
    except OSError:
        found = False
    if not found:
        collector.add("organisation", "找不到引用的组织架构文件。", "The referenced organisation file was not found.",
                      reference, f"路径相对于情景文件所在目录 {path.parent}，请检查拼写。",
                      f"The path is relative to the scenario's folder {path.parent}; check the spelling.")
        raise ScenarioError(collector.issues)

    try:
        organisation = load_organisation(organisation_path)
    except ScenarioError as error:
        raise ScenarioError(collector.issues + error.issues) from None
    return organisation, organisation_path


def parse_scenario(data: dict, collector: IssueCollector, organisation: Organisation, path: str = "") -> Scenario:
    """Build a Scenario (with no staffing option applied yet) from parsed YAML."""

    check = FieldChecker(collector)
    check.unknown_keys(data, _SCENARIO_KEYS, "")
    if data.get("schema") != SCENARIO_SCHEMA:
        collector.add("schema", f"schema 应为 {SCENARIO_SCHEMA}。", f"schema must be {SCENARIO_SCHEMA}.",
                      data.get("schema"), f"请在文件开头写 schema: {SCENARIO_SCHEMA}，并确认这是情景文件而不是组织架构文件。",
                      f"Start the file with schema: {SCENARIO_SCHEMA}, and check that this is a scenario file, "
                      "not an organisation file.")

    horizon = check.time(data, "horizon", "")
    if horizon is not None and not 0 < horizon <= MAX_HORIZON:
        collector.add("horizon", f"模拟时长应大于 0 且不超过 {MAX_HORIZON / 60:g} 小时，实际为 {horizon:g} 分钟。",
                      f"The horizon must be above 0 and at most {MAX_HORIZON / 60:g} hours, got {horizon:g} minutes.",
                      data.get("horizon"), '请改为此范围内的时间，例如 horizon: "30:00"。',
                      'Use a time in this range, for example horizon: "30:00".')
        horizon = None

    departments = _parse_departments(data, check, organisation)
    teams = _parse_teams(data, check, organisation)
    targets, target_ids = _parse_targets(data, check)
    task_types, defined = parse_task_types(data, check, organisation, target_ids)
    if not check_follow_up_cycles(task_types, collector, defined):
        check_follow_up_growth(task_types, collector, defined)

    relay_task = data.get("relay_task")
    if relay_task is not None:
        relay_task = check.name_ref(relay_task, defined, "relay_task", "任务类型", "Task type")
        relay_task = relay_task if relay_task in task_types else None

    injects = _parse_injects(data, check, task_types, defined, horizon)
    streams = _parse_streams(data, check, task_types, defined, horizon)
    options = _parse_staffing_options(data, check, organisation)

    default_staffing = data.get("default_staffing")
    if not options:
        options = {"基准": StaffingOption("基准", "情景文件中的配置")}
        if default_staffing is not None:
            check.name_ref(default_staffing, options, "default_staffing", "人员配置方案", "Staffing option")
        default_staffing = "基准"
    elif default_staffing is None:
        default_staffing = next(iter(options))
    else:
        default_staffing = check.name_ref(default_staffing, options, "default_staffing", "人员配置方案",
                                          "Staffing option") or next(iter(options))

    allow_unstaffed = check.boolean(data, "allow_unstaffed", "")

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


def _parse_departments(data, check: FieldChecker, organisation: Organisation) -> dict[str, DepartmentStaffing]:
    section = check.section(data, "departments", "部门配置（departments）", "The section 'departments'")
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


def _parse_teams(data, check: FieldChecker, organisation: Organisation) -> dict[str, int]:
    section = check.section(data, "groups", "工作组配置（groups）", "The section 'groups'")
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


def _parse_targets(data, check: FieldChecker) -> tuple[dict[str, Target], list[str]]:
    """Return the valid targets and the ids of all targets written in the file, valid or not."""

    targets: dict[str, Target] = {}
    first_paths: dict[str, str] = {}
    for index, item in enumerate(check.sequence(data.get("targets"), "targets", "时间目标列表（targets）",
                                                "The list 'targets'", optional=True) or []):
        item_path = f"targets[{index}]"
        item = check.mapping(item, item_path, "时间目标", "A target")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "name", "name_en", "minutes", "from", "to", "source", "note"}, item_path)
        target_id = check.unique_id(item, item_path, first_paths, "时间目标“{id}”重复",
                                    "Target '{id}' is defined twice",
                                    "请删除重复项，或为每个目标使用不同的 id。", "Remove the duplicate or give each target its own id.")
        if target_id is None:
            continue
        minutes = check.number(item, "minutes", item_path, 0, MAX_HORIZON, required=True, low_inclusive=False)
        origin = item.get("from", "accident")
        if origin not in TARGET_FROM:
            check.c.add(f"{item_path}.from", f"应为 {' / '.join(TARGET_FROM)} 之一，实际为 {format_value(origin)}。",
                        f"Must be one of {', '.join(TARGET_FROM)}, got {format_value(origin)}.", origin,
                        suggest(origin, TARGET_FROM, "zh") or "accident 为事故发生时，inject 为注入时间，created 为任务创建时。",
                        suggest(origin, TARGET_FROM, "en") or "accident is time 0, inject the inject's time, "
                                                                "created the task's creation.")
        moment = item.get("to", "end")
        if moment not in TARGET_TO:
            check.c.add(f"{item_path}.to", f"应为 start 或 end，实际为 {format_value(moment)}。",
                        f"Must be start or end, got {format_value(moment)}.", moment,
                        suggest(moment, TARGET_TO, "zh") or "start 计量任务开始时刻，end 计量任务结束时刻。",
                        suggest(moment, TARGET_TO, "en") or "start measures the task's start, end its end.")
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
    return targets, list(first_paths)


def _parse_injects(data, check: FieldChecker, task_types, defined, horizon) -> list[Inject]:
    items = check.sequence(data.get("injects"), "injects", "情景注入列表（injects）", "The list 'injects'",
                           optional=True) or []
    if len(items) > MAX_INJECTS:
        check.c.add("injects", f"情景注入过多（{len(items)} 条，上限 {MAX_INJECTS}）。",
                    f"Too many injects ({len(items)}, limit {MAX_INJECTS}).", len(items),
                    "请拆分情景或改用背景任务流（streams）。", "Split the scenario or use background streams.")
        return []

    injects: list[Inject] = []
    first_paths: dict[str, str] = {}
    task_count = 0
    for index, item in enumerate(items):
        item_path = f"injects[{index}]"
        item = check.mapping(item, item_path, "情景注入", "An inject")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "time", "description", "tasks", "note"}, item_path)
        inject_id = check.unique_id(item, item_path, first_paths, "情景注入“{id}”重复",
                                    "Inject '{id}' is listed twice",
                                    "请为每条注入使用不同的编号。", "Give each inject its own id.")
        if inject_id is None:
            continue
        time = check.time(item, "time", item_path)
        if time is not None and horizon is not None and time > horizon:
            check.c.add(f"{item_path}.time",
                        f"情景注入时间 {format_time(time)} 晚于模拟结束时间 horizon {format_time(horizon)}。",
                        f"The inject at {format_time(time)} comes after the horizon {format_time(horizon)}.",
                        item.get("time"), "请延长 horizon，或删除/提前该注入。",
                        "Extend the horizon, or move or remove the inject.")
            time = None
        tasks = []
        for task_index, task in enumerate(check.sequence(item.get("tasks"), f"{item_path}.tasks",
                                                         "注入产生的任务（tasks）", "The list 'tasks'") or []):
            ref = check.name_ref(task, defined, f"{item_path}.tasks[{task_index}]", "任务类型", "Task type")
            if ref in task_types:
                tasks.append(ref)
        task_count += len(tasks)
        description = check.text(item, "description", item_path)
        if inject_id and time is not None:
            injects.append(Inject(inject_id, time, description, tuple(tasks)))

    if task_count > MAX_INJECT_TASKS:
        check.c.add("injects", f"情景注入共产生 {task_count} 个任务，上限 {MAX_INJECT_TASKS}。",
                    f"The injects create {task_count} tasks in all, limit {MAX_INJECT_TASKS}.", task_count,
                    "上限防止一次运行耗时过长；请拆分情景或减少每条注入的任务。",
                    "The limit keeps one run from taking too long; split the scenario or give injects fewer tasks.")
    injects.sort(key=lambda inject: inject.time)
    return injects


def _parse_streams(data, check: FieldChecker, task_types, defined, horizon) -> list[Stream]:
    streams: list[Stream] = []
    first_paths: dict[str, str] = {}
    expected_arrivals = 0.0
    for index, item in enumerate(check.sequence(data.get("streams"), "streams", "背景任务流列表（streams）",
                                                "The list 'streams'", optional=True) or []):
        item_path = f"streams[{index}]"
        item = check.mapping(item, item_path, "背景任务流", "A stream")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "task", "relayed", "rates", "note"}, item_path)
        stream_id = check.unique_id(item, item_path, first_paths, "背景任务流“{id}”重复",
                                    "Stream '{id}' is listed twice",
                                    "请为每个任务流使用不同的 id。", "Give each stream its own id.")
        if stream_id is None:
            continue
        task = check.name_ref(item.get("task"), defined, f"{item_path}.task", "任务类型", "Task type")
        relayed = check.boolean(item, "relayed", item_path)
        segments = _parse_rate_segments(item, item_path, check)
        if horizon is not None:
            expected_arrivals += _expected_arrivals(segments, horizon)
        if stream_id and task in task_types and segments:
            streams.append(Stream(stream_id, task, tuple(segments), relayed))

    if expected_arrivals > MAX_STREAM_ARRIVALS:
        check.c.add("streams", f"背景任务流在模拟时长内平均到达约 {expected_arrivals:.0f} 个任务，上限 {MAX_STREAM_ARRIVALS}。",
                    f"The streams bring about {expected_arrivals:.0f} tasks on average within the horizon, "
                    f"limit {MAX_STREAM_ARRIVALS}.", round(expected_arrivals),
                    "请检查到达率的单位（每小时），或缩短 horizon。", "Check the rate unit (per hour), or shorten the horizon.")
    return streams


def _parse_rate_segments(item: dict, item_path: str, check: FieldChecker) -> list[RateSegment]:
    segments: list[RateSegment] = []
    for seg_index, segment in enumerate(check.sequence(item.get("rates"), f"{item_path}.rates",
                                                       "到达率分段（rates）", "The list 'rates'") or []):
        seg_path = f"{item_path}.rates[{seg_index}]"
        segment = check.mapping(segment, seg_path, "到达率分段", "A rate segment")
        if segment is None:
            continue
        check.unknown_keys(segment, {"from", "per_hour"}, seg_path)
        start = check.time(segment, "from", seg_path)
        rate = check.number(segment, "per_hour", seg_path, 0.0, MAX_RATE_PER_HOUR, required=True)
        if start is not None and segments and start <= segments[-1].start:
            check.c.add(f"{seg_path}.from",
                        f"到达率分段的起始时间必须递增：{format_time(start)} 不晚于上一段的 {format_time(segments[-1].start)}。",
                        f"Rate segments must start in increasing time order: {format_time(start)} is not after "
                        f"{format_time(segments[-1].start)}.", segment.get("from"),
                        "请按时间先后排列各分段，并删除起始时间相同的分段。",
                        "Order the segments by time and remove segments with the same start.")
            continue
        if start is not None and rate is not None:
            segments.append(RateSegment(start, rate))
    return segments


def _expected_arrivals(segments: list[RateSegment], horizon: float) -> float:
    total = 0.0
    for position, segment in enumerate(segments):
        end = segments[position + 1].start if position + 1 < len(segments) else horizon
        total += segment.per_hour / 60.0 * max(0.0, min(end, horizon) - segment.start)
    return total


def _parse_staffing_options(data, check: FieldChecker, organisation: Organisation) -> dict[str, StaffingOption]:
    section = check.section(data, "staffing", "人员配置方案（staffing）", "The section 'staffing'")
    options: dict[str, StaffingOption] = {}
    for name, spec in section.items():
        options[str(name)] = parse_staffing_option(str(name), spec, check, organisation, f"staffing.{name}")
    return options


def parse_staffing_option(name: str, spec, check: FieldChecker, organisation: Organisation, path: str) -> StaffingOption:
    """Build one StaffingOption from its mapping, recording problems via ``check``."""

    spec = check.mapping(spec if spec is not None else {}, path, "人员配置方案", "A staffing option") or {}
    check.unknown_keys(spec, {"description", "departments", "groups"}, path)
    staff, mobilisation, teams = [], [], []
    departments = optional_mapping(spec, "departments", field_path(path, "departments"), check)
    for department, values in departments.items():
        item_path = field_path(path, f"departments.{department}")
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
    groups = optional_mapping(spec, "groups", field_path(path, "groups"), check)
    for group, values in groups.items():
        item_path = field_path(path, f"groups.{group}")
        if check.name_ref(group, organisation.group_names, item_path, "工作组", "Group") is None:
            continue
        values = check.mapping(values, item_path, "工作组配置", "A group entry") or {}
        check.unknown_keys(values, {"teams"}, item_path)
        value = check.integer(values, "teams", item_path, 1, MAX_TEAMS)
        if value is not None:
            teams.append((group, value))
    description = check.text(spec, "description", path, required=False)
    return StaffingOption(name, description, tuple(staff), tuple(mobilisation), tuple(teams))


def check_staffed(scenario: Scenario, collector: IssueCollector, path: str) -> None:
    """Record an issue for each department with no on-site staff that a task type needs.

    The issue's field is where the zero comes from: the staffing option named
    by ``path`` when it sets the staff, else ``departments.<name>.staff``.
    With ``allow_unstaffed: true`` in the scenario these tasks are run and
    recorded as unfinished instead; nothing is recorded then.
    """

    if scenario.allow_unstaffed:
        return
    needing: dict[str, list[str]] = {}
    for task_type in scenario.task_types.values():
        for department in scenario.needed_departments(task_type):
            if scenario.departments[department].staff == 0:
                needing.setdefault(department, []).append(task_type.id)

    option = scenario.staffing_options.get(scenario.staffing_name)
    overridden = dict(option.staff) if option is not None else {}
    for department, task_ids in needing.items():
        staff_path = field_path(path, f"departments.{department}.staff") if department in overridden \
            else f"departments.{department}.staff"
        shown = "、".join(task_ids[:5]) + (f" 等 {len(task_ids)} 个" if len(task_ids) > 5 else "")
        shown_en = ", ".join(task_ids[:5]) + (f" and {len(task_ids) - 5} more" if len(task_ids) > 5 else "")
        collector.add(staff_path,
                      f"部门“{department}”现场人数为 0，但任务类型 {shown} 需要它，这些任务将永远无法开始。",
                      f"Department '{department}' has no on-site staff, but task type(s) {shown_en} need it, "
                      "so those tasks could never start.",
                      0, "请为该部门配置至少 1 人，或在情景中写 allow_unstaffed: true（这些任务将记为未完成）。",
                      "Give that department at least 1 person, or set allow_unstaffed: true "
                      "(those tasks are then recorded as unfinished).")
