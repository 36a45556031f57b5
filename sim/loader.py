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
from dataclasses import replace
from pathlib import Path

from sim.distributions import DistributionError, format_number, parse_distribution
from sim.errors import Issue, IssueCollector, ScenarioError
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
from sim.timefmt import format_time, parse_time
from sim.yamlio import load_yaml_file

ORGANISATION_SCHEMA = "hqsim-organisation/1"
SCENARIO_SCHEMA = "hqsim-scenario/1"

MAX_INJECTS = 10_000
MAX_TASK_TYPES = 2_000
MAX_STAFF = 1_000
MAX_TEAMS = 200
MAX_HORIZON = 30 * 24 * 60.0
MAX_RATE_PER_HOUR = 600.0
MAX_INJECT_TASKS = 20_000
MAX_STREAM_ARRIVALS = 100_000
MAX_FOLLOW_UP_TASKS = 1_000
"""Limits that keep one replication to seconds; real scenarios stay far below them.

``MAX_INJECT_TASKS`` bounds the tasks all injects create together,
``MAX_STREAM_ARRIVALS`` the expected stream arrivals within the horizon, and
``MAX_FOLLOW_UP_TASKS`` the expected tasks one task's chain of follow-ups creates.
"""

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


_TYPE_NAMES = {
    dict: ("映射", "a mapping"),
    list: ("列表", "a list"),
    str: ("文字", "text"),
    bool: ("布尔值", "a boolean"),
    int: ("整数", "a whole number"),
    float: ("数字", "a number"),
    type(None): ("空值", "empty"),
}


def _type_names(value) -> tuple[str, str]:
    """Return the Chinese and English name of the YAML type of ``value``."""

    return _TYPE_NAMES.get(type(value), (type(value).__name__, type(value).__name__))


def _field(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _format_value(value) -> str:
    """Return ``value`` for a message: numbers in %g form, other values as text, cut to 40 characters."""

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


class _Checker:
    """Typed field access that records an issue and returns None on a bad value."""

    def __init__(self, collector: IssueCollector):
        self.c = collector

    def mapping(self, value, path, what_zh, what_en):
        if isinstance(value, dict):
            return value
        type_zh, type_en = _type_names(value)
        self.c.add(path, f"{what_zh}应为映射（键: 值），实际为{type_zh}。",
                   f"{what_en} must be a mapping (key: value), not {type_en}.",
                   value, "请参照 docs/scenario-format.md 中的示例，每个字段写成“名称: 值”。",
                   "See the examples in docs/scenario-format.md: write each field as 'name: value'.")
        return None

    def sequence(self, value, path, what_zh, what_en, optional=False):
        """Return ``value`` if it is a list; an optional list may also be absent or empty (None)."""

        if isinstance(value, list):
            return value
        if value is None and optional:
            return []
        if value is None:
            self.c.add(path, f"缺少{what_zh}，或其内容为空。", f"{what_en} is missing or empty.", None,
                       "请参照 docs/scenario-format.md 补上这一节，每项另起一行并以“- ”开头。",
                       "Add this section after docs/scenario-format.md, one item per line starting with '- '.")
            return None
        type_zh, type_en = _type_names(value)
        self.c.add(path, f"{what_zh}应为列表，实际为{type_zh}。", f"{what_en} must be a list, not {type_en}.", value,
                   "每项另起一行并以“- ”开头，或写成 [甲, 乙]；只有一项时也要写成列表。",
                   "Start each item on its own line with '- ', or write [a, b]; a single item is a list too.")
        return None

    def unknown_keys(self, data: dict, allowed: set[str], path: str):
        for key in data:
            if key not in allowed:
                child = _field(path, key)
                self.c.add(child, f"未知字段“{key}”。", f"Unknown field '{key}'.", key,
                           suggest(key, allowed, "zh") or f"允许的字段：{', '.join(sorted(allowed))}。",
                           suggest(key, allowed, "en") or f"Allowed fields: {', '.join(sorted(allowed))}.")

    def missing(self, path: str, key: str, example: str = "…"):
        self.c.add(_field(path, key), f"缺少必填字段“{key}”。", f"Missing required field '{key}'.",
                   hint_zh=f"请补上“{key}: {example}”。", hint_en=f"Add '{key}: {example}'.")

    def text(self, data: dict, key: str, path: str, required: bool = True, default: str = ""):
        child = _field(path, key)
        if key not in data or data[key] is None:
            if required:
                self.missing(path, key)
            return default
        value = data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            type_zh, type_en = _type_names(value)
            self.c.add(child, f"应为非空文字，实际为{type_zh}。", f"Must be non-empty text, not {type_en}.", value,
                       "请填写文字；内容像数字、日期或 yes/no 时请加引号。",
                       "Write text; quote it when it looks like a number, a date or yes/no.")
            return default
        return value.strip()

    def integer(self, data: dict, key: str, path: str, low: int, high: int, default=None, required=False):
        child = _field(path, key)
        if key not in data:
            if required:
                self.missing(path, key, str(max(low, 1)))
            return default
        value = data[key]
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            type_zh, type_en = _type_names(value)
            self.c.add(child, f"应为 {low} 到 {high} 之间的整数，实际为{type_zh} {_format_value(value)}。",
                       f"Must be a whole number from {low} to {high}, not {type_en} {_format_value(value)}.", value,
                       f"请改为整数，例如 {key}: {max(low, 1)}。", f"Write a whole number, for example {key}: {max(low, 1)}.")
            return default
        if not low <= value <= high:
            if value > high:
                hint_zh = f"上限 {high} 防止一次运行耗时过长；请检查是否多写了位数。"
                hint_en = f"The limit {high} keeps one run from taking too long; check for extra digits."
            else:
                hint_zh = f"请改为不小于 {low} 的整数。"
                hint_en = f"Use a whole number of at least {low}."
            self.c.add(child, f"应在 {low} 到 {high} 之间，实际为 {_format_value(value)}。",
                       f"Must be from {low} to {high}, got {_format_value(value)}.", value, hint_zh, hint_en)
            return default
        return value

    def number(self, data: dict, key: str, path: str, low: float, high: float, default=None,
               required=False, low_inclusive=True):
        child = _field(path, key)
        if key not in data:
            if required:
                self.missing(path, key, f"{max(low, 1):g}")
            return default
        value = data[key]
        bound = "≥" if low_inclusive else ">"
        bound_en = ">=" if low_inclusive else ">"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            type_zh, type_en = _type_names(value)
            self.c.add(child, f"应为有限数字，实际为{type_zh} {_format_value(value)}。",
                       f"Must be a finite number, not {type_en} {_format_value(value)}.", value,
                       f"请填写 {bound}{low:g} 且 ≤{high:g} 的数字。", f"Write a number {bound_en} {low:g} and <= {high:g}.")
            return default
        too_low = value < low if low_inclusive else value <= low
        if too_low or value > high:
            self.c.add(child, f"应在 {bound}{low:g} 且 ≤{high:g} 的范围内，实际为 {_format_value(value)}。",
                       f"Must be {bound_en} {low:g} and <= {high:g}, got {_format_value(value)}.", value,
                       f"请改为此范围内的数字。{'上限防止一次运行耗时过长。' if value > high else ''}",
                       f"Use a number in this range.{' The limit keeps one run from taking too long.' if value > high else ''}")
            return default
        return float(value)

    def time(self, data: dict, key: str, path: str, required=True, default=None):
        child = _field(path, key)
        if key not in data:
            if required:
                self.missing(path, key, '"30:00"')
            return default
        value = data[key]
        try:
            minutes = parse_time(value)
        except ValueError:
            type_zh, type_en = _type_names(value)
            self.c.add(child, f"时间格式无效（{type_zh} {_format_value(value)}）。", f"Invalid time ({type_en} {_format_value(value)}).", value,
                       "请写事故发生后的分钟数，或带引号的 \"HH:MM\"（如 \"01:30\"）。",
                       "Write minutes after the accident, or a quoted \"HH:MM\" such as \"01:30\".")
            return default
        if minutes < 0:
            self.c.add(child, f"时间不能早于事故发生（负数 {_format_value(value)}）。",
                       f"A time cannot be before the accident (negative {_format_value(value)}).", value,
                       "请改为 0 或正的分钟数；0 表示事故发生时。", "Use 0 or a positive number of minutes; 0 is the accident.")
            return default
        return minutes

    def distribution(self, data: dict, key: str, path: str, required=True):
        child = _field(path, key)
        if key not in data:
            if required:
                self.c.add(child, f"缺少必填字段“{key}”。", f"Missing required field '{key}'.",
                           hint_zh="例如 {dist: triangular, min: 3, mode: 5, max: 10}。",
                           hint_en="For example {dist: triangular, min: 3, mode: 5, max: 10}.")
            return None
        spec = data[key]
        try:
            return parse_distribution(spec)
        except DistributionError as error:
            issue_path = f"{child}.{error.parameter}" if error.parameter and isinstance(spec, dict) else child
            value = error.value if error.value is not None else spec
            self.c.add(issue_path, f"分布无效：{error.message_zh}。", f"Invalid distribution: {error.message_en}.", value,
                       error.hint_zh, error.hint_en)
            return None

    def name_ref(self, value, choices, path, what_zh, what_en):
        """Return ``value`` as a name among ``choices``; record an issue with the closest name if it is not one."""

        names = [str(choice) for choice in choices]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in names:
            return str(value)
        if isinstance(value, str) and value in names:
            return value

        listed = "、".join(names[:10]) + (f" 等 {len(names)} 个" if len(names) > 10 else "")
        listed_en = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        available_zh = f"可用的{what_zh}：{listed}。" if names else f"文件中还没有定义任何{what_zh}。"
        available_en = f"Available: {listed_en}." if names else f"No {what_en.lower()} is defined yet."
        if value is None:
            self.c.add(path, f"缺少{what_zh}名称。", f"The {what_en.lower()} name is missing.", None,
                       available_zh, available_en)
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            type_zh, type_en = _type_names(value)
            self.c.add(path, f"{what_zh}应写成名称（文字），实际为{type_zh}。",
                       f"{what_en} must be a name (text), not {type_en}.", value, available_zh, available_en)
            return None
        self.c.add(path, f"找不到{what_zh}“{value}”。", f"{what_en} '{value}' not found.", value,
                   suggest(value, names, "zh") or available_zh, suggest(value, names, "en") or available_en)
        return None

    def section(self, data: dict, key: str, what_zh: str, what_en: str) -> dict:
        """Return the optional mapping ``data[key]``; absent or empty (None) is an empty mapping."""

        value = data.get(key)
        if value is None:
            return {}
        return self.mapping(value, key, what_zh, what_en) or {}

    def boolean(self, data: dict, key: str, path: str, default: bool = False) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        type_zh, type_en = _type_names(value)
        self.c.add(_field(path, key), f"应为 true 或 false，实际为{type_zh} {_format_value(value)}。",
                   f"Must be true or false, not {type_en} {_format_value(value)}.", value,
                   f"请写 {key}: true 或 {key}: false。", f"Write {key}: true or {key}: false.")
        return default

    def duplicate(self, path: str, first_path: str, message_zh: str, message_en: str, value,
                  hint_zh: str, hint_en: str):
        """Record a duplicate name at ``path``, naming the line of its first use at ``first_path``."""

        first = self.c.line_of(first_path)
        where_zh = f"（首次出现在第{first}行）" if first else ""
        where_en = f" (first on line {first})" if first else ""
        self.c.add(path, f"{message_zh}{where_zh}。", f"{message_en}{where_en}.", value, hint_zh, hint_en)


def _require_top_mapping(data, collector: IssueCollector) -> dict:
    if not isinstance(data, dict):
        type_zh, type_en = _type_names(data)
        collector.add("", f"文件顶层应为映射（键: 值），实际为{type_zh}。",
                      f"The top level of the file must be a mapping (key: value), not {type_en}.",
                      data, "请参照 scenarios/default.yaml 的结构：顶层每行写成“字段: 值”，如 schema: hqsim-scenario/1。",
                      "Follow the layout of scenarios/default.yaml: each top-level line is 'field: value', "
                      "such as schema: hqsim-scenario/1.")
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
        if name in first_paths:
            check.duplicate(f"{item_path}.name", first_paths[name], f"部门“{name}”重复", f"Department '{name}' is listed twice",
                            name, "每个部门只列一次；它可以在多个工作组中牵头或配合，请删除重复项。",
                            "List each department once, because it may lead or cooperate in several groups; "
                            "remove the duplicate.")
            continue
        first_paths[name] = f"{item_path}.name"
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
        if number is not None and number in number_paths:
            check.duplicate(f"{item_path}.number", number_paths[number], f"工作组序号 {number} 重复",
                            f"Group number {number} is used twice", number,
                            "请按 1、2、3… 为每个工作组编不同的序号。", "Number the groups 1, 2, 3 … without repeats.")
        elif number is not None:
            number_paths[number] = f"{item_path}.number"
        if name and name in group_paths:
            check.duplicate(f"{item_path}.name", group_paths[name], f"工作组“{name}”重复", f"Group '{name}' is listed twice",
                            name, "请删除重复项，或给它另取一个名称。", "Remove the duplicate or give it another name.")
        elif name:
            group_paths[name] = f"{item_path}.name"

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
            if duty_number is not None and duty_number in duty_paths:
                check.duplicate(f"{duty_path}.number", duty_paths[duty_number], f"职责序号 {duty_number} 重复",
                                f"Duty number {duty_number} is used twice", duty_number,
                                "请按 1、2、3… 为每项职责编不同的序号。", "Number the duties 1, 2, 3 … without repeats.")
            elif duty_number is not None:
                duty_paths[duty_number] = f"{duty_path}.number"
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
    data = _require_top_mapping(data, collector)

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

    check = _Checker(collector)
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
    task_types, defined = _parse_task_types(data, check, organisation, target_ids)
    if not _check_follow_up_cycles(task_types, collector, defined):
        _check_follow_up_growth(task_types, collector, defined)

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


def _parse_departments(data, check: _Checker, organisation: Organisation) -> dict[str, DepartmentStaffing]:
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


def _parse_teams(data, check: _Checker, organisation: Organisation) -> dict[str, int]:
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


def _parse_targets(data, check: _Checker) -> tuple[dict[str, Target], list[str]]:
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
        target_id = check.text(item, "id", item_path)
        if target_id in first_paths:
            check.duplicate(f"{item_path}.id", first_paths[target_id], f"时间目标“{target_id}”重复",
                            f"Target '{target_id}' is defined twice", target_id,
                            "请删除重复项，或为每个目标使用不同的 id。", "Remove the duplicate or give each target its own id.")
            continue
        if target_id:
            first_paths[target_id] = f"{item_path}.id"
        minutes = check.number(item, "minutes", item_path, 0, MAX_HORIZON, required=True, low_inclusive=False)
        origin = item.get("from", "accident")
        if origin not in TARGET_FROM:
            check.c.add(f"{item_path}.from", f"应为 {' / '.join(TARGET_FROM)} 之一，实际为 {_format_value(origin)}。",
                        f"Must be one of {', '.join(TARGET_FROM)}, got {_format_value(origin)}.", origin,
                        suggest(origin, TARGET_FROM, "zh") or "accident 为事故发生时，inject 为注入时间，created 为任务创建时。",
                        suggest(origin, TARGET_FROM, "en") or "accident is time 0, inject the inject's time, "
                                                                "created the task's creation.")
        moment = item.get("to", "end")
        if moment not in TARGET_TO:
            check.c.add(f"{item_path}.to", f"应为 start 或 end，实际为 {_format_value(moment)}。",
                        f"Must be start or end, got {_format_value(moment)}.", moment,
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


def _parse_follow_up(item, path, check: _Checker) -> FollowUp | None:
    item = check.mapping(item, path, "后续任务", "A follow-up")
    if item is None:
        return None
    check.unknown_keys(item, {"task", "probability"}, path)
    probability = check.number(item, "probability", path, 0.0, 1.0, default=1.0)
    task = check.text(item, "task", path)
    if not task:
        return None
    return FollowUp(task, probability if probability is not None else 1.0)


def _parse_task_types(data, check: _Checker, organisation: Organisation,
                      target_ids: list[str]) -> tuple[dict[str, TaskType], list[str]]:
    """Return the valid task types and the ids of all task types written in the file, valid or not.

    References are checked against all written ids, so that one invalid task
    type is reported once, not again at every inject that names it.
    """

    items = check.sequence(data.get("task_types"), "task_types", "任务类型列表（task_types）", "The list 'task_types'") or []
    if len(items) > MAX_TASK_TYPES:
        check.c.add("task_types", f"任务类型过多（{len(items)} 个，上限 {MAX_TASK_TYPES}）。",
                    f"Too many task types ({len(items)}, limit {MAX_TASK_TYPES}).", len(items),
                    "上限防止一次运行耗时过长；请合并相似的任务类型。",
                    "The limit keeps one run from taking too long; merge similar task types.")
        return {}, []

    defined: list[str] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), (str, int, float)) and not isinstance(item["id"], bool):
            task_id = str(item["id"]).strip()
            if task_id and task_id not in defined:
                defined.append(task_id)

    task_types: dict[str, TaskType] = {}
    first_paths: dict[str, str] = {}
    pending_refs: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        item_path = f"task_types[{index}]"
        item = check.mapping(item, item_path, "任务类型", "A task type")
        if item is None:
            continue
        check.unknown_keys(item, {"id", "name_en", "group", "duty", "duration", "requires", "priority",
                                  "target", "follow_ups", "note"}, item_path)
        task_id = check.text(item, "id", item_path)
        if task_id in first_paths:
            check.duplicate(f"{item_path}.id", first_paths[task_id], f"任务类型“{task_id}”重复",
                            f"Task type '{task_id}' is defined twice", task_id,
                            "请删除重复项，或改用不同的 id。", "Remove the duplicate or use another id.")
            continue
        if task_id:
            first_paths[task_id] = f"{item_path}.id"

        group_name = check.name_ref(item.get("group"), organisation.group_names, f"{item_path}.group", "工作组", "Group")
        duty = check.integer(item, "duty", item_path, 1, 99, default=1)
        if group_name and duty is not None and organisation.group(group_name).duty(duty) is None:
            numbers = [d.number for d in organisation.group(group_name).duties]
            check.c.add(f"{item_path}.duty", f"工作组“{group_name}”没有第 {duty} 项职责。",
                        f"Group '{group_name}' has no duty {duty}.", duty,
                        f"可用职责序号：{numbers}。", f"Its duties are numbered {numbers}.")

        requires = []
        for req_index, name in enumerate(check.sequence(item.get("requires"), f"{item_path}.requires",
                                                        "所需部门（requires）", "The list 'requires'", optional=True) or []):
            ref = check.name_ref(name, organisation.department_names, f"{item_path}.requires[{req_index}]",
                                 "部门", "Department")
            if ref and ref not in requires:
                requires.append(ref)

        target = item.get("target")
        if target is not None:
            target = check.name_ref(target, target_ids, f"{item_path}.target", "时间目标", "Target")

        follow_ups = _parse_follow_ups(item, item_path, check, pending_refs)
        duration = check.distribution(item, "duration", item_path)
        priority = check.integer(item, "priority", item_path, 1, 9, default=3)
        if not task_id or not group_name or duration is None:
            continue
        task_types[task_id] = TaskType(
            id=task_id, group=group_name, duty=duty or 1, duration=duration, requires=tuple(requires),
            priority=priority or 3, target=target, follow_ups=tuple(follow_ups),
            name_en=check.text(item, "name_en", item_path, required=False),
        )

    for task, ref_path in pending_refs:
        if task not in defined:
            check.name_ref(task, defined, ref_path, "任务类型", "Task type")
    return task_types, defined


def _parse_follow_ups(item: dict, item_path: str, check: _Checker,
                      pending_refs: list[tuple[str, str]]) -> list[FollowUp | FollowUpChoice]:
    follow_ups: list[FollowUp | FollowUpChoice] = []
    for fu_index, entry in enumerate(check.sequence(item.get("follow_ups"), f"{item_path}.follow_ups",
                                                    "后续任务列表（follow_ups）", "The list 'follow_ups'",
                                                    optional=True) or []):
        fu_path = f"{item_path}.follow_ups[{fu_index}]"
        if not (isinstance(entry, dict) and "one_of" in entry):
            parsed = _parse_follow_up(entry, fu_path, check)
            if parsed:
                follow_ups.append(parsed)
                pending_refs.append((parsed.task, f"{fu_path}.task"))
            continue

        check.unknown_keys(entry, {"one_of"}, fu_path)
        options = []
        for opt_index, option in enumerate(check.sequence(entry["one_of"], f"{fu_path}.one_of",
                                                          "互斥后续任务（one_of）", "The list 'one_of'") or []):
            parsed = _parse_follow_up(option, f"{fu_path}.one_of[{opt_index}]", check)
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
    return follow_ups


def _check_follow_up_cycles(task_types: dict[str, TaskType], collector: IssueCollector,
                            defined: list[str]) -> bool:
    """Record an issue for each cycle in the follow-up graph (depth-first search); return True if any.

    ``defined`` lists the task type ids in file order, so that an issue
    points at ``task_types[i]`` of the file.
    """

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
                    index = defined.index(child)
                    chain = " → ".join(cycle)
                    collector.add(f"task_types[{index}].follow_ups", f"后续任务构成循环：{chain}。",
                                  f"The follow-up tasks form a cycle: {chain}.", chain,
                                  "请删除其中一条后续关系，使任务链能够结束。",
                                  "Remove one of these follow-up links so the chain can end.")
            elif not state.get(child):
                state[child] = 1
                trail.append(child)
                stack.append((child, iter(successors(child))))
    return bool(reported)


def _check_follow_up_growth(task_types: dict[str, TaskType], collector: IssueCollector, defined: list[str]) -> None:
    """Record an issue for a task type whose chain of follow-ups creates too many tasks on average.

    The expected number of tasks one task creates, itself included, is
    1 + the sum of probability × that number for each follow-up. The graph
    has no cycles here, so the recursion ends.
    """

    expected: dict[str, float] = {}

    def tasks_created(task_id: str) -> float:
        if task_id not in expected:
            total = 1.0
            for entry in task_types[task_id].follow_ups:
                options = entry.options if isinstance(entry, FollowUpChoice) else (entry,)
                total += sum(option.probability * tasks_created(option.task)
                             for option in options if option.task in task_types)
            expected[task_id] = min(total, 1e300)
        return expected[task_id]

    order = _topological_order(task_types)
    for task_id in reversed(order):
        tasks_created(task_id)
    for task_id in order:
        if expected[task_id] > MAX_FOLLOW_UP_TASKS:
            collector.add(f"task_types[{defined.index(task_id)}].follow_ups",
                          f"任务“{task_id}”的后续任务链平均会产生约 {expected[task_id]:.3g} 个任务，上限 {MAX_FOLLOW_UP_TASKS}。",
                          f"The follow-up chain of '{task_id}' creates about {expected[task_id]:.3g} tasks on average, "
                          f"limit {MAX_FOLLOW_UP_TASKS}.", expected[task_id],
                          "请降低后续任务的概率，或减少每个任务的后续任务数。",
                          "Lower the follow-up probabilities, or give each task fewer follow-ups.")
            return


def _topological_order(task_types: dict[str, TaskType]) -> list[str]:
    """Return the task type ids so that each comes before its follow-ups (the graph has no cycles)."""

    order: list[str] = []
    done: set[str] = set()
    for root in task_types:
        if root in done:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in done:
                continue
            done.add(node)
            stack.append((node, True))
            for entry in task_types[node].follow_ups:
                options = entry.options if isinstance(entry, FollowUpChoice) else (entry,)
                stack.extend((option.task, False) for option in options
                             if option.task in task_types and option.task not in done)
    order.reverse()
    return order


def _parse_injects(data, check: _Checker, task_types, defined, horizon) -> list[Inject]:
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
        inject_id = check.text(item, "id", item_path)
        if inject_id in first_paths:
            check.duplicate(f"{item_path}.id", first_paths[inject_id], f"情景注入“{inject_id}”重复",
                            f"Inject '{inject_id}' is listed twice", inject_id,
                            "请为每条注入使用不同的编号。", "Give each inject its own id.")
            continue
        if inject_id:
            first_paths[inject_id] = f"{item_path}.id"
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


def _parse_streams(data, check: _Checker, task_types, defined, horizon) -> list[Stream]:
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
        stream_id = check.text(item, "id", item_path)
        if stream_id in first_paths:
            check.duplicate(f"{item_path}.id", first_paths[stream_id], f"背景任务流“{stream_id}”重复",
                            f"Stream '{stream_id}' is listed twice", stream_id,
                            "请为每个任务流使用不同的 id。", "Give each stream its own id.")
            continue
        if stream_id:
            first_paths[stream_id] = f"{item_path}.id"
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


def _parse_rate_segments(item: dict, item_path: str, check: _Checker) -> list[RateSegment]:
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


def _parse_staffing_options(data, check: _Checker, organisation: Organisation) -> dict[str, StaffingOption]:
    section = check.section(data, "staffing", "人员配置方案（staffing）", "The section 'staffing'")
    options: dict[str, StaffingOption] = {}
    for name, spec in section.items():
        options[str(name)] = parse_staffing_option(str(name), spec, check, organisation, f"staffing.{name}")
    return options


def parse_staffing_option(name: str, spec, check: _Checker, organisation: Organisation, path: str) -> StaffingOption:
    """Build one StaffingOption from its mapping, recording problems via ``check``."""

    spec = check.mapping(spec if spec is not None else {}, path, "人员配置方案", "A staffing option") or {}
    check.unknown_keys(spec, {"description", "departments", "groups"}, path)
    staff, mobilisation, teams = [], [], []
    departments = _optional_mapping(spec, "departments", _field(path, "departments"), check)
    for department, values in departments.items():
        item_path = _field(path, f"departments.{department}")
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
    groups = _optional_mapping(spec, "groups", _field(path, "groups"), check)
    for group, values in groups.items():
        item_path = _field(path, f"groups.{group}")
        if check.name_ref(group, organisation.group_names, item_path, "工作组", "Group") is None:
            continue
        values = check.mapping(values, item_path, "工作组配置", "A group entry") or {}
        check.unknown_keys(values, {"teams"}, item_path)
        value = check.integer(values, "teams", item_path, 1, MAX_TEAMS)
        if value is not None:
            teams.append((group, value))
    description = check.text(spec, "description", path, required=False)
    return StaffingOption(name, description, tuple(staff), tuple(mobilisation), tuple(teams))


def _optional_mapping(data: dict, key: str, path: str, check: _Checker) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    return check.mapping(value, path, f"“{key}”", f"'{key}'") or {}


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
        field_path = _field(path, f"departments.{department}.staff") if department in overridden \
            else f"departments.{department}.staff"
        shown = "、".join(task_ids[:5]) + (f" 等 {len(task_ids)} 个" if len(task_ids) > 5 else "")
        shown_en = ", ".join(task_ids[:5]) + (f" and {len(task_ids) - 5} more" if len(task_ids) > 5 else "")
        collector.add(field_path,
                      f"部门“{department}”现场人数为 0，但任务类型 {shown} 需要它，这些任务将永远无法开始。",
                      f"Department '{department}' has no on-site staff, but task type(s) {shown_en} need it, "
                      "so those tasks could never start.",
                      0, "请为该部门配置至少 1 人，或在情景中写 allow_unstaffed: true（这些任务将记为未完成）。",
                      "Give that department at least 1 person, or set allow_unstaffed: true "
                      "(those tasks are then recorded as unfinished).")
