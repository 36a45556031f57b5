"""Typed field access for validating untrusted input files.

:class:`FieldChecker` reads one field of a parsed YAML mapping as the type
the format expects (text, whole number, number in a range, time, duration
distribution, a reference to a named record). On a bad value it records one
:class:`sim.errors.Issue` that names the field path, the value, what was
expected and how to fix it, and returns None, so that validation goes on
and the user sees every problem of a file at once.
"""

from __future__ import annotations

import difflib
import math

from sim.distributions import DistributionError, format_number, parse_distribution
from sim.errors import IssueCollector, ScenarioError
from sim.timefmt import parse_time

def suggest(name: object, choices, lang: str = "zh") -> str:
    """Return a 'did you mean' sentence for the closest of ``choices``, or ''."""

    matches = difflib.get_close_matches(str(name), [str(choice) for choice in choices], n=1, cutoff=0.4)
    if not matches:
        return ""
    return f"是否应为“{matches[0]}”？" if lang == "zh" else f"Did you mean '{matches[0]}'?"




_TYPE_NAMES = {
    dict: ("映射", "a mapping"),
    list: ("列表", "a list"),
    str: ("文字", "text"),
    bool: ("布尔值", "a boolean"),
    int: ("整数", "a whole number"),
    float: ("数字", "a number"),
    type(None): ("空值", "empty"),
}


def type_names(value) -> tuple[str, str]:
    """Return the Chinese and English name of the YAML type of ``value``."""

    return _TYPE_NAMES.get(type(value), (type(value).__name__, type(value).__name__))


def field_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def format_value(value) -> str:
    """Return ``value`` for a message: numbers in %g form, other values as text, cut to 40 characters."""

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


class FieldChecker:
    """Typed field access that records an issue and returns None on a bad value."""

    def __init__(self, collector: IssueCollector):
        self.c = collector

    def mapping(self, value, path, what_zh, what_en):
        if isinstance(value, dict):
            return value
        type_zh, type_en = type_names(value)
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
        type_zh, type_en = type_names(value)
        self.c.add(path, f"{what_zh}应为列表，实际为{type_zh}。", f"{what_en} must be a list, not {type_en}.", value,
                   "每项另起一行并以“- ”开头，或写成 [甲, 乙]；只有一项时也要写成列表。",
                   "Start each item on its own line with '- ', or write [a, b]; a single item is a list too.")
        return None

    def unknown_keys(self, data: dict, allowed: set[str], path: str):
        for key in data:
            if key not in allowed:
                child = field_path(path, key)
                self.c.add(child, f"未知字段“{key}”。", f"Unknown field '{key}'.", key,
                           suggest(key, allowed, "zh") or f"允许的字段：{', '.join(sorted(allowed))}。",
                           suggest(key, allowed, "en") or f"Allowed fields: {', '.join(sorted(allowed))}.")

    def missing(self, path: str, key: str, example: str = "…"):
        self.c.add(field_path(path, key), f"缺少必填字段“{key}”。", f"Missing required field '{key}'.",
                   hint_zh=f"请补上“{key}: {example}”。", hint_en=f"Add '{key}: {example}'.")

    def text(self, data: dict, key: str, path: str, required: bool = True, default: str = ""):
        child = field_path(path, key)
        if key not in data or data[key] is None:
            if required:
                self.missing(path, key)
            return default
        value = data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            type_zh, type_en = type_names(value)
            self.c.add(child, f"应为非空文字，实际为{type_zh}。", f"Must be non-empty text, not {type_en}.", value,
                       "请填写文字；内容像数字、日期或 yes/no 时请加引号。",
                       "Write text; quote it when it looks like a number, a date or yes/no.")
            return default
        return value.strip()

    def integer(self, data: dict, key: str, path: str, low: int, high: int, default=None, required=False):
        child = field_path(path, key)
        if key not in data:
            if required:
                self.missing(path, key, str(max(low, 1)))
            return default
        value = data[key]
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            type_zh, type_en = type_names(value)
            self.c.add(child, f"应为 {low} 到 {high} 之间的整数，实际为{type_zh} {format_value(value)}。",
                       f"Must be a whole number from {low} to {high}, not {type_en} {format_value(value)}.", value,
                       f"请改为整数，例如 {key}: {max(low, 1)}。", f"Write a whole number, for example {key}: {max(low, 1)}.")
            return default
        if not low <= value <= high:
            if value > high:
                hint_zh = f"上限 {high} 防止一次运行耗时过长；请检查是否多写了位数。"
                hint_en = f"The limit {high} keeps one run from taking too long; check for extra digits."
            else:
                hint_zh = f"请改为不小于 {low} 的整数。"
                hint_en = f"Use a whole number of at least {low}."
            self.c.add(child, f"应在 {low} 到 {high} 之间，实际为 {format_value(value)}。",
                       f"Must be from {low} to {high}, got {format_value(value)}.", value, hint_zh, hint_en)
            return default
        return value

    def number(self, data: dict, key: str, path: str, low: float, high: float, default=None,
               required=False, low_inclusive=True):
        child = field_path(path, key)
        if key not in data:
            if required:
                self.missing(path, key, f"{max(low, 1):g}")
            return default
        value = data[key]
        bound = "≥" if low_inclusive else ">"
        bound_en = ">=" if low_inclusive else ">"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            type_zh, type_en = type_names(value)
            self.c.add(child, f"应为有限数字，实际为{type_zh} {format_value(value)}。",
                       f"Must be a finite number, not {type_en} {format_value(value)}.", value,
                       f"请填写 {bound}{low:g} 且 ≤{high:g} 的数字。", f"Write a number {bound_en} {low:g} and <= {high:g}.")
            return default
        too_low = value < low if low_inclusive else value <= low
        if too_low or value > high:
            self.c.add(child, f"应在 {bound}{low:g} 且 ≤{high:g} 的范围内，实际为 {format_value(value)}。",
                       f"Must be {bound_en} {low:g} and <= {high:g}, got {format_value(value)}.", value,
                       f"请改为此范围内的数字。{'上限防止一次运行耗时过长。' if value > high else ''}",
                       f"Use a number in this range.{' The limit keeps one run from taking too long.' if value > high else ''}")
            return default
        return float(value)

    def time(self, data: dict, key: str, path: str, required=True, default=None):
        child = field_path(path, key)
        if key not in data:
            if required:
                self.missing(path, key, '"30:00"')
            return default
        value = data[key]
        try:
            minutes = parse_time(value)
        except ValueError:
            type_zh, type_en = type_names(value)
            self.c.add(child, f"时间格式无效（{type_zh} {format_value(value)}）。", f"Invalid time ({type_en} {format_value(value)}).", value,
                       "请写事故发生后的分钟数，或带引号的 \"HH:MM\"（如 \"01:30\"）。",
                       "Write minutes after the accident, or a quoted \"HH:MM\" such as \"01:30\".")
            return default
        if minutes < 0:
            self.c.add(child, f"时间不能早于事故发生（负数 {format_value(value)}）。",
                       f"A time cannot be before the accident (negative {format_value(value)}).", value,
                       "请改为 0 或正的分钟数；0 表示事故发生时。", "Use 0 or a positive number of minutes; 0 is the accident.")
            return default
        return minutes

    def distribution(self, data: dict, key: str, path: str, required=True):
        child = field_path(path, key)
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
            type_zh, type_en = type_names(value)
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
        type_zh, type_en = type_names(value)
        self.c.add(field_path(path, key), f"应为 true 或 false，实际为{type_zh} {format_value(value)}。",
                   f"Must be true or false, not {type_en} {format_value(value)}.", value,
                   f"请写 {key}: true 或 {key}: false。", f"Write {key}: true or {key}: false.")
        return default

    def duplicate(self, path: str, first_path: str, message_zh: str, message_en: str, value,
                  hint_zh: str, hint_en: str):
        """Record a duplicate name at ``path``, naming the line of its first use at ``first_path``."""

        first = self.c.line_of(first_path)
        where_zh = f"（首次出现在第{first}行）" if first else ""
        where_en = f" (first on line {first})" if first else ""
        self.c.add(path, f"{message_zh}{where_zh}。", f"{message_en}{where_en}.", value, hint_zh, hint_en)


    def first_use(self, value, path: str, first_paths: dict, message_zh: str, message_en: str,
                  hint_zh: str, hint_en: str) -> bool:
        """Record ``value`` as used at ``path``; return False, after recording an issue, if it was used before.

        ``first_paths`` maps each value seen so far to the path of its first
        use. An empty or missing value (None, '') is neither recorded nor reported.
        """

        if value is None or value == "":
            return True
        if value in first_paths:
            self.duplicate(path, first_paths[value], message_zh, message_en, value, hint_zh, hint_en)
            return False
        first_paths[value] = path
        return True

    def unique_id(self, item: dict, item_path: str, first_paths: dict[str, str], message_zh: str, message_en: str,
                  hint_zh: str, hint_en: str) -> str | None:
        """Read ``item['id']`` and check it is new; return it, '' when missing, or None for a duplicate.

        ``first_paths`` maps each id seen so far to the path of its first
        use and gains the new id. ``message_zh``/``message_en`` contain
        ``{id}`` for the duplicated id.
        """

        record_id = self.text(item, "id", item_path)
        if not self.first_use(record_id, f"{item_path}.id", first_paths, message_zh.format(id=record_id),
                              message_en.format(id=record_id), hint_zh, hint_en):
            return None
        return record_id


def require_top_mapping(data, collector: IssueCollector) -> dict:
    if not isinstance(data, dict):
        type_zh, type_en = type_names(data)
        collector.add("", f"文件顶层应为映射（键: 值），实际为{type_zh}。",
                      f"The top level of the file must be a mapping (key: value), not {type_en}.",
                      data, "请参照 scenarios/default.yaml 的结构：顶层每行写成“字段: 值”，如 schema: hqsim-scenario/1。",
                      "Follow the layout of scenarios/default.yaml: each top-level line is 'field: value', "
                      "such as schema: hqsim-scenario/1.")
        raise ScenarioError(collector.issues)
    return data


def optional_mapping(data: dict, key: str, path: str, check: FieldChecker) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    return check.mapping(value, path, f"“{key}”", f"'{key}'") or {}

