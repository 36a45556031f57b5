"""Reading untrusted YAML files safely, with the line of every field.

Scenario files are written by hand, often in Windows editors, so this module
reads them defensively. It decodes UTF-8 (with or without a byte-order mark),
UTF-16 with a byte-order mark, or GB18030 (which includes GBK), rejects
binary, empty and oversized files, and builds plain Python values from
PyYAML's node tree with the safe loader. While doing so it rejects the YAML
1.1 traps that silently change meaning: duplicate keys, implicit booleans such
as ``no``/``off``/``y``, base-60 numbers such as an unquoted ``10:30``, dates,
and tab indentation. It also rejects what could hang or crash the reader:
recursive aliases, aliases that expand to a huge tree, and nesting deeper than
:data:`MAX_DEPTH`. Every field path gets its line, so that later validation
messages can point at the line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sim.errors import Issue, IssueCollector, ScenarioError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest input file accepted; real scenarios are a few tens of kilobytes."""

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings accepted; the scenario format needs about 6 levels."""

MAX_ALIAS_EXPANSION = 100_000
"""Maximum number of values that aliases (``*name``) may add when expanded, which stops 'billion laughs' files."""

MAX_TAB_ISSUES = 20
"""Lines with tab indentation reported one by one; the rest are counted in one issue."""

# libyaml's C parser gives the same nodes and tags as the pure-Python one and
# reads scenarios/default.yaml about ten times faster. The Python parser is the
# fallback when libyaml is missing, and it words syntax errors, because its
# messages are more precise.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_BOOLEANS = {"true", "false", "True", "False", "TRUE", "FALSE"}
_YAML11_SHORT_BOOLEANS = {"y", "Y", "n", "N"}
"""YAML 1.1 booleans that PyYAML reads as text but other YAML 1.1 readers read as true/false."""

_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")

_GENERIC_SYNTAX_HINT = (
    "请检查该行及上一行的缩进、冒号、引号和括号是否配对；文字中含冒号时请加引号。",
    "Check the indentation, colons, quotes and brackets on this line and the one before; "
    "quote text that contains a colon.",
)

_SYNTAX_EXPLANATIONS = (
    ("mapping values are not allowed", "此处不能出现“键: 值”，常见原因是缩进不对，或值里含有未加引号的冒号",
     "a 'key: value' is not allowed here, usually because of wrong indentation or an unquoted colon in a value"),
    ("could not find expected ':'", "缺少冒号“:”，或引号、括号没有配对",
     "a colon ':' is missing, or quotes or brackets are not paired"),
    ("cannot start any token", "出现了不能开始一项内容的字符（常见为 Tab 或 @、`）",
     "a character that cannot start a value (often a tab, @ or `)"),
    ("found undefined alias", "引用了未定义的锚点（*名称）", "an alias (*name) refers to an anchor that is not defined"),
    ("found duplicate anchor", "同一个锚点（&名称）定义了两次", "an anchor (&name) is defined twice"),
    ("unknown escape character", "双引号字符串中有未知的转义字符（\\）",
     "a double-quoted string contains an unknown escape (\\)"),
    ("found unexpected end of stream", "文件在引号或括号配对之前就结束了", "the file ends before a quote or bracket is closed"),
    ("expected ',' or ']'", "方括号列表 [...] 没有正确结束", "a bracketed list [...] is not closed properly"),
    ("expected ',' or '}'", "花括号映射 {...} 没有正确结束", "a braced mapping {...} is not closed properly"),
    ("expected <block end>", "缩进层次不一致", "the indentation is inconsistent"),
    ("did not find expected key", "缩进层次不一致", "the indentation is inconsistent"),
    ("did not find expected '-' indicator", "列表项的缩进不一致", "the indentation of list items is inconsistent"),
    ("expected a single document", "文件中有多个文档（---）", "the file contains more than one document (---)",
     "一个文件只能有一个文档，请删除多余的 ---，或把内容拆到不同文件。",
     "A file holds one document; remove the extra ---, or split the content into separate files."),
    ("maximum nesting depth", "嵌套层次过深", "the nesting is too deep",
     "情景文件只需约 6 层嵌套，请检查是否多写了括号。", "The scenario format needs about 6 levels; check for extra brackets."),
    ("special characters are not allowed", "文件中含有不可见的控制字符", "the file contains an invisible control character",
     "请删除该字符，它常见于从网页或文字处理软件复制的内容。",
     "Delete that character; it often comes with text copied from web pages or word processors."),
)
"""Fragments of PyYAML's messages, with an explanation and optionally a specific hint in Chinese and English."""


def decode_bytes(raw: bytes, collector: IssueCollector) -> str | None:
    """Decode ``raw`` as UTF-8, UTF-16 with a BOM or GB18030; record an issue and return None otherwise."""

    if not raw.strip():
        collector.add(
            "",
            "文件为空。",
            "The file is empty.",
            hint_zh="请选择正确的情景文件，或参照 scenarios/default.yaml 填写内容。",
            hint_en="Choose the right scenario file, or fill it in after scenarios/default.yaml.",
        )
        return None

    # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes would look binary below.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass

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

    # GB18030 is a superset of GBK and GB2312, the encodings of older Chinese Windows editors.
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        collector.issues.append(Issue(
            file=collector.file, path="", line=line, value=raw[error.start:error.start + 4],
            message_zh="无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）。",
            message_en="The file encoding is not recognised (neither UTF-8 nor GBK/GB18030).",
            hint_zh="请在编辑器中用“另存为 → UTF-8”保存后重试。",
            hint_en="Save it again as UTF-8 in your editor and retry.",
        ))
        return None


def load_yaml_text(text: str, collector: IssueCollector) -> object:
    """Parse ``text`` into plain values, recording line numbers in ``collector.lines``.

    Returns None when the text could not be parsed at all; the reason is in
    ``collector.issues``. Problems inside a parsed document (duplicate keys,
    ambiguous scalars) are recorded as issues and parsing goes on, so that the
    user sees all of them at once.
    """

    if _record_tab_indentation(text, collector):
        return None

    node = _compose(text, collector)
    if node is None:
        return None
    if not _check_aliases(node, collector):
        return None
    return _build(node, "", collector, depth=0)


def load_yaml_file(path: str | Path, display_name: str | None = None) -> tuple[object, IssueCollector]:
    """Read and parse ``path``; return the value and the collector with lines and issues.

    Raises :class:`ScenarioError` when the file is missing, not a regular file,
    unreadable, too large, not decodable or not parseable. Other issues stay in
    the collector for the caller to add its own before raising.
    """

    path = Path(path)
    collector = IssueCollector(display_name or str(path))
    try:
        is_file = path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, ValueError):
        is_file, size = False, 0
    if not is_file:
        exists = _exists(path)
        collector.add("", "这是一个文件夹，不是文件。" if exists else "找不到文件。",
                      "This is a folder, not a file." if exists else "File not found.", value=str(path),
                      hint_zh="请检查路径，并给出 .yaml 文件本身。", hint_en="Check the path and give the .yaml file itself.")
        raise ScenarioError(collector.issues)

    if size > MAX_FILE_BYTES:
        collector.add("", f"文件过大（{size} 字节，上限 {MAX_FILE_BYTES} 字节）。",
                      f"The file is too large ({size} bytes, limit {MAX_FILE_BYTES}).",
                      hint_zh="情景文件通常只有几十 KB，请确认选择了正确的文件。",
                      hint_en="Scenario files are usually a few tens of KB; check you chose the right file.")
        raise ScenarioError(collector.issues)

    try:
        raw = path.read_bytes()
    except OSError as error:
        collector.add("", f"无法读取文件：{error.strerror or error}。", f"The file could not be read: {error.strerror or error}.",
                      value=str(path), hint_zh="请检查文件权限，或关闭正在占用该文件的程序。",
                      hint_en="Check the file permissions, or close the program that holds the file.")
        raise ScenarioError(collector.issues) from None

    data = load_yaml_bytes(raw, collector)
    return data, collector


def load_yaml_bytes(raw: bytes, collector: IssueCollector) -> object:
    """Decode and parse ``raw``; raise :class:`ScenarioError` if nothing usable came out."""

    if len(raw) > MAX_FILE_BYTES:
        collector.add("", f"文件过大（{len(raw)} 字节，上限 {MAX_FILE_BYTES} 字节）。",
                      f"The file is too large ({len(raw)} bytes, limit {MAX_FILE_BYTES}).",
                      hint_zh="情景文件通常只有几十 KB，请确认选择了正确的文件。",
                      hint_en="Scenario files are usually a few tens of KB; check you chose the right file.")
        raise ScenarioError(collector.issues)
    text = decode_bytes(raw, collector)
    if text is None:
        raise ScenarioError(collector.issues)
    data = load_yaml_text(text, collector)
    if data is None:
        raise ScenarioError(collector.issues)
    return data


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _issue(collector: IssueCollector, path: str, line: int | None, zh: str, en: str, value: object,
           hint_zh: str, hint_en: str) -> Issue:
    return Issue(file=collector.file, path=path, message_zh=zh, message_en=en,
                 value=value, line=line, hint_zh=hint_zh, hint_en=hint_en)


def _record_tab_indentation(text: str, collector: IssueCollector) -> bool:
    """Record an issue per line indented with a tab; return True if there was any."""

    lines = text.splitlines()
    tab_lines = [number for number, line in enumerate(lines, start=1) if line.lstrip(" ").startswith("\t")]
    for number in tab_lines[:MAX_TAB_ISSUES]:
        collector.issues.append(
            _issue(collector, "", number, "缩进中含有制表符（Tab）。",
                   "Indentation contains a tab character.", lines[number - 1].strip() or None,
                   "YAML 只允许用空格缩进，请把 Tab 换成空格。",
                   "YAML allows only spaces for indentation; replace tabs with spaces.")
        )
    if len(tab_lines) > MAX_TAB_ISSUES:
        rest = len(tab_lines) - MAX_TAB_ISSUES
        collector.issues.append(
            _issue(collector, "", tab_lines[MAX_TAB_ISSUES], f"另有 {rest} 行的缩进含有制表符（Tab）。",
                   f"{rest} more lines have tabs in their indentation.", None,
                   "可在编辑器中把全部 Tab 替换为空格。", "Replace all tabs with spaces in your editor.")
        )
    return bool(tab_lines)


def _compose(text: str, collector: IssueCollector) -> yaml.Node | None:
    """Return the node tree of ``text``, or None with an issue recorded."""

    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError as fast_error:
        collector.issues.append(_syntax_issue(_precise_error(text, fast_error), text, collector))
        return None
    except RecursionError:
        collector.issues.append(_depth_issue(collector, "", None))
        return None

    if node is None:
        collector.add("", "文件中没有内容（只有注释或空行）。", "The file has no content (only comments or blank lines).",
                      hint_zh="请参照 scenarios/default.yaml 填写。",
                      hint_en="Fill it in after scenarios/default.yaml.")
    return node


def _precise_error(text: str, fast_error: yaml.YAMLError) -> yaml.YAMLError:
    """Return the pure-Python parser's error for ``text`` when it has one, else ``fast_error``."""

    if _FAST_LOADER is yaml.SafeLoader:
        return fast_error
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return error
    except RecursionError:
        return fast_error
    return fast_error


def _syntax_issue(error: yaml.YAMLError, text: str, collector: IssueCollector) -> Issue:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    if isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n") + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1

    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    detail = f"{context}: {problem}" if context else problem
    explanation_zh, explanation_en = "YAML 语法错误", "YAML syntax error"
    hint_zh, hint_en = _GENERIC_SYNTAX_HINT
    for fragment, zh, en, *hint in _SYNTAX_EXPLANATIONS:
        if fragment in detail or fragment in str(error):
            explanation_zh, explanation_en = zh, en
            if hint:
                hint_zh, hint_en = hint
            break

    lines = text.splitlines()
    source_line = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else None
    where_zh = f"（第 {column} 列）" if column is not None else ""
    where_en = f" (column {column})" if column is not None else ""
    return _issue(collector, "", line, f"{explanation_zh}{where_zh}。解析器信息：{detail}。",
                  f"{explanation_en}{where_en}. Parser message: {detail}.", source_line or None, hint_zh, hint_en)


def _depth_issue(collector: IssueCollector, path: str, line: int | None) -> Issue:
    return _issue(collector, path, line, f"嵌套层次过深（超过 {MAX_DEPTH} 层）。",
                  f"The nesting is too deep (more than {MAX_DEPTH} levels).", None,
                  "情景文件只需约 6 层嵌套，请检查是否多写了括号或缩进。",
                  "The scenario format needs about 6 levels; check for extra brackets or indentation.")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_aliases(root: yaml.Node, collector: IssueCollector) -> bool:
    """Return False, with an issue, if aliases make the tree recursive or expand it beyond the limit.

    An alias is the same node object reached twice, so the expanded size is
    counted over the node graph with memoisation, without expanding anything.
    """

    expanded: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            in_progress.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in _children(node))
            continue
        if key in expanded:
            continue
        in_progress.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in in_progress:
                collector.issues.append(_issue(
                    collector, "", node.start_mark.line + 1, "别名（*名称）引用了包含它自身的内容，形成无限循环。",
                    "An alias (*name) refers to content that contains the alias itself, an endless loop.", None,
                    "请删除该别名，把内容直接写出。", "Remove the alias and write the content out."))
                return False
            if id(child) not in expanded:
                stack.append((child, False))

    added = expanded[id(root)] - len(expanded)
    if added > MAX_ALIAS_EXPANSION:
        collector.issues.append(_issue(
            collector, "", None, f"别名（*名称）展开后内容过多（增加 {added} 项，上限 {MAX_ALIAS_EXPANSION}）。",
            f"Aliases (*name) expand to too much content ({added} values added, limit {MAX_ALIAS_EXPANSION}).",
            None, "请减少别名的嵌套引用。", "Use fewer nested aliases."))
        return False
    return True


def _child_path(parent: str, key: object) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _build(node: yaml.Node, path: str, collector: IssueCollector, depth: int) -> object:
    collector.lines.setdefault(path, node.start_mark.line + 1)
    if depth > MAX_DEPTH:
        if not any(issue.message_en.startswith("The nesting is too deep") for issue in collector.issues):
            collector.issues.append(_depth_issue(collector, path, node.start_mark.line + 1))
        return None

    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, collector, depth)

    if isinstance(node, yaml.SequenceNode):
        return [_build(item, _child_path(path, index), collector, depth + 1) for index, item in enumerate(node.value)]

    return _build_scalar(node, path, collector)


def _build_mapping(node: yaml.MappingNode, path: str, collector: IssueCollector, depth: int) -> dict:
    result: dict = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
            collector.issues.append(
                _issue(collector, path, line, "不支持 YAML 合并键“<<”。", "The YAML merge key '<<' is not supported.",
                       "<<", "请把要合并的字段直接写出。", "Write the fields out instead of merging them.")
            )
            continue
        is_scalar = isinstance(key_node, yaml.ScalarNode)
        key = _build_scalar(key_node, _child_path(path, key_node.value), collector) if is_scalar else None
        if key is None or isinstance(key, (list, dict)):
            collector.issues.append(
                _issue(collector, path, line, "字段名无效：字段名应为普通文字，不能为空、列表或映射。",
                       "Invalid field name: a field name must be plain text, not empty, a list or a mapping.",
                       None, "请检查该行是否多写或少写了冒号、横线或括号。",
                       "Check the line for a missing or extra colon, dash or bracket.")
            )
            continue
        key = str(key)
        child = _child_path(path, key)
        if key in result:
            first = collector.lines.get(child)
            collector.issues.append(
                _issue(collector, child, line,
                       f"字段“{key}”重复出现（前一次在第{first}行）。",
                       f"Duplicate key '{key}' (first on line {first}).",
                       key, "请删除或合并重复的项，程序不会悄悄采用最后一个。",
                       "Remove or merge the duplicate; the program never silently keeps the last one.")
            )
            continue
        collector.lines[child] = line
        result[key] = _build(value_node, child, collector, depth + 1)
    return result


def _build_scalar(node: yaml.ScalarNode, path: str, collector: IssueCollector) -> object:
    tag = node.tag
    text = node.value
    line = node.start_mark.line + 1
    quoted = node.style in ("'", '"', "|", ">")

    if not quoted and text in _YAML11_SHORT_BOOLEANS:
        _flag(collector, _ambiguous_boolean(collector, path, line, text))
        return text

    if quoted or tag == "tag:yaml.org,2002:str":
        return text

    if tag == "tag:yaml.org,2002:bool":
        if text in _PLAIN_BOOLEANS:
            return text.lower() == "true"
        _flag(collector, _ambiguous_boolean(collector, path, line, text))
        return text

    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and _SEXAGESIMAL.match(text):
        _flag(collector, _issue(
            collector, path, line, f"“{text}”未加引号：YAML 1.1 会把它当作六十进制数。",
            f"'{text}' is unquoted: YAML 1.1 reads it as a base-60 number.", text,
            f"时间请写成带引号的 \"{text}\"，或直接写分钟数。",
            f"Write times as the quoted string \"{text}\" or as minutes."))
        return text

    if tag == "tag:yaml.org,2002:timestamp":
        _flag(collector, _issue(
            collector, path, line, f"“{text}”被识别为日期，本字段不接受日期。",
            f"'{text}' is read as a date, which this field does not accept.", text,
            "时间请写成事故发生后的分钟数或带引号的 \"HH:MM\"；若是文字请加引号。",
            "Write times as minutes after the accident or as a quoted \"HH:MM\"; quote it if it is text."))
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


def _flag(collector: IssueCollector, issue: Issue) -> None:
    """Record ``issue`` about a scalar value, and mark its path so later checks do not repeat it."""

    collector.issues.append(issue)
    collector.flagged.add(issue.path)


def _ambiguous_boolean(collector: IssueCollector, path: str, line: int, text: str) -> Issue:
    return _issue(collector, path, line, f"“{text}”含义不明确：YAML 1.1 会把它当作布尔值（是/否）。",
                  f"'{text}' is ambiguous: YAML 1.1 reads it as a boolean (yes/no).", text,
                  "是/否请写 true 或 false；若是文字请加引号。",
                  "Write true or false for yes/no, or quote it if it is text.")


def _number(text: str, tag: str) -> int | float:
    cleaned = text.replace("_", "")
    if tag == "tag:yaml.org,2002:int":
        return int(cleaned, 0) if cleaned.lower().lstrip("+-").startswith(("0x", "0o", "0b")) else int(cleaned)
    lowered = cleaned.lower()
    if lowered in (".nan",):
        return float("nan")
    if lowered in (".inf", "+.inf"):
        return float("inf")
    if lowered == "-.inf":
        return float("-inf")
    return float(cleaned)
