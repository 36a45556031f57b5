"""Reading untrusted YAML files safely, with the line of every field.

Scenario files are written by hand, often in Windows editors, so this module
reads them defensively. It decodes UTF-8 (with or without a byte-order mark)
or GB18030, rejects binary and empty files, and builds plain Python values from
PyYAML's node tree with the safe loader. While doing so it rejects the YAML 1.1
traps that silently change meaning: duplicate keys, implicit booleans such as
``no``/``off``, base-60 numbers such as an unquoted ``10:30``, dates, and tab
indentation. It also records the line of every field path, so that later
validation messages can point at the line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sim.errors import IssueCollector, ScenarioError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest input file accepted; real scenarios are a few tens of kilobytes."""

_PLAIN_BOOLEANS = {"true", "false", "True", "False", "TRUE", "FALSE"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")


def decode_bytes(raw: bytes, collector: IssueCollector) -> str | None:
    """Decode ``raw`` as UTF-8 (BOM allowed) or GB18030; record an issue and return None otherwise."""

    if not raw.strip():
        collector.add(
            "",
            "文件为空。",
            "The file is empty.",
            hint_zh="请选择正确的情景文件，或参照 scenarios/default.yaml 填写内容。",
            hint_en="Choose the right scenario file, or fill it in after scenarios/default.yaml.",
        )
        return None

    if b"\x00" in raw[:4096]:
        collector.add(
            "",
            "文件不是文本文件（含二进制内容）。",
            "The file is not a text file (it contains binary data).",
            hint_zh="请另存为 UTF-8 编码的 YAML 文本文件；Excel 表格需先导出。",
            hint_en="Save it as a UTF-8 YAML text file; export Excel sheets first.",
        )
        return None

    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass

    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        collector.add(
            "",
            "无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）。",
            "The file encoding is not recognised (neither UTF-8 nor GBK/GB18030).",
            hint_zh="请在编辑器中用“另存为 → UTF-8”保存后重试。",
            hint_en="Save it again as UTF-8 in your editor and retry.",
        )
        return None


def load_yaml_text(text: str, collector: IssueCollector) -> object:
    """Parse ``text`` into plain values, recording line numbers in ``collector.lines``.

    Returns None when the text could not be parsed at all; the reason is in
    ``collector.issues``. Problems inside a parsed document (duplicate keys,
    ambiguous scalars) are recorded as issues and parsing goes on, so that the
    user sees all of them at once.
    """

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            collector.issues.append(
                _issue(collector, "", number, "缩进中含有制表符（Tab）。",
                       "Indentation contains a tab character.", None,
                       "YAML 只允许用空格缩进，请把 Tab 换成空格。",
                       "YAML allows only spaces for indentation; replace tabs with spaces.")
            )
            return None

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        collector.issues.append(
            _issue(collector, "", line, f"YAML 语法错误：{problem}。",
                   f"YAML syntax error: {problem}.", None,
                   "请检查该行的缩进、冒号和引号是否配对。",
                   "Check the indentation, colons and quotes on that line.")
        )
        return None

    if node is None:
        collector.add("", "文件中没有内容。", "The file has no content.",
                      hint_zh="请参照 scenarios/default.yaml 填写。",
                      hint_en="Fill it in after scenarios/default.yaml.")
        return None

    return _build(node, "", collector)


def load_yaml_file(path: str | Path, display_name: str | None = None) -> tuple[object, IssueCollector]:
    """Read and parse ``path``; return the value and the collector with lines and issues.

    Raises :class:`ScenarioError` when the file is missing, too large, not
    decodable or not parseable; other issues stay in the collector for the
    caller to add its own before raising.
    """

    path = Path(path)
    collector = IssueCollector(display_name or str(path))
    try:
        size = path.stat().st_size
    except OSError:
        collector.add("", "找不到文件。", "File not found.", value=str(path),
                      hint_zh="请检查路径是否正确。", hint_en="Check the path.")
        raise ScenarioError(collector.issues)

    if size > MAX_FILE_BYTES:
        collector.add("", f"文件过大（{size} 字节，上限 {MAX_FILE_BYTES} 字节）。",
                      f"The file is too large ({size} bytes, limit {MAX_FILE_BYTES}).",
                      hint_zh="情景文件通常只有几十 KB，请确认选择了正确的文件。",
                      hint_en="Scenario files are usually a few tens of KB; check you chose the right file.")
        raise ScenarioError(collector.issues)

    data = load_yaml_bytes(path.read_bytes(), collector)
    return data, collector


def load_yaml_bytes(raw: bytes, collector: IssueCollector) -> object:
    """Decode and parse ``raw``; raise :class:`ScenarioError` if nothing usable came out."""

    text = decode_bytes(raw, collector)
    if text is None:
        raise ScenarioError(collector.issues)
    data = load_yaml_text(text, collector)
    if data is None:
        raise ScenarioError(collector.issues)
    return data


def _issue(collector, path, line, zh, en, value, hint_zh, hint_en):
    from sim.errors import Issue

    return Issue(file=collector.file, path=path, message_zh=zh, message_en=en,
                 value=value, line=line, hint_zh=hint_zh, hint_en=hint_en)


def _child_path(parent: str, key: object) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _build(node: yaml.Node, path: str, collector: IssueCollector) -> object:
    collector.lines.setdefault(path, node.start_mark.line + 1)

    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key = _build_scalar(key_node, path, collector) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or isinstance(key, (list, dict)):
                collector.issues.append(
                    _issue(collector, path, key_node.start_mark.line + 1, "字段名无效。",
                           "Invalid field name.", key_node.start_mark.line + 1,
                           "字段名应为普通文字。", "Field names must be plain text.")
                )
                continue
            key = str(key)
            child = _child_path(path, key)
            if key in result:
                collector.issues.append(
                    _issue(collector, child, key_node.start_mark.line + 1,
                           f"字段“{key}”重复出现（前一次在第{collector.lines.get(child)}行）。",
                           f"Duplicate key '{key}' (first on line {collector.lines.get(child)}).",
                           key, "请删除或合并重复的项，程序不会悄悄采用最后一个。",
                           "Remove or merge the duplicate; the program never silently keeps the last one.")
                )
                continue
            collector.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, collector)
        return result

    if isinstance(node, yaml.SequenceNode):
        return [_build(item, _child_path(path, index), collector) for index, item in enumerate(node.value)]

    return _build_scalar(node, path, collector)


def _build_scalar(node: yaml.ScalarNode, path: str, collector: IssueCollector) -> object:
    tag = node.tag
    text = node.value
    line = node.start_mark.line + 1
    quoted = node.style in ("'", '"', "|", ">")

    if quoted or tag == "tag:yaml.org,2002:str":
        return text

    if tag == "tag:yaml.org,2002:bool":
        if text in _PLAIN_BOOLEANS:
            return text.lower() == "true"
        collector.issues.append(
            _issue(collector, path, line, f"“{text}”含义不明确：YAML 1.1 会把它当作布尔值。",
                   f"'{text}' is ambiguous: YAML 1.1 reads it as a boolean.", text,
                   "是/否请写 true 或 false；若是文字请加引号。",
                   "Write true or false for yes/no, or quote it if it is text.")
        )
        return text

    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and _SEXAGESIMAL.match(text):
        collector.issues.append(
            _issue(collector, path, line, f"“{text}”未加引号：YAML 1.1 会把它当作六十进制数。",
                   f"'{text}' is unquoted: YAML 1.1 reads it as a base-60 number.", text,
                   f"时间请写成带引号的 \"{text}\"，或直接写分钟数。",
                   f"Write times as the quoted string \"{text}\" or as minutes.")
        )
        return text

    if tag == "tag:yaml.org,2002:timestamp":
        collector.issues.append(
            _issue(collector, path, line, f"“{text}”被识别为日期，本字段不接受日期。",
                   f"'{text}' is read as a date, which this field does not accept.", text,
                   "时间请写成事故发生后的分钟数或带引号的 \"HH:MM\"。",
                   "Write times as minutes after the accident or as a quoted \"HH:MM\".")
        )
        return text

    if tag == "tag:yaml.org,2002:null":
        return None

    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        try:
            return _number(text, tag)
        except ValueError:
            return text

    # Any other tag (including !!python/... tags) is kept as its plain text and never constructed.
    return text


def _number(text: str, tag: str) -> int | float:
    cleaned = text.replace("_", "")
    if tag == "tag:yaml.org,2002:int":
        return int(cleaned, 0) if cleaned.lower().startswith(("0x", "0o", "0b")) else int(cleaned)
    lowered = cleaned.lower()
    if lowered in (".nan",):
        return float("nan")
    if lowered in (".inf", "+.inf"):
        return float("inf")
    if lowered == "-.inf":
        return float("-inf")
    return float(cleaned)
