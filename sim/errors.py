"""Validation issues and the exception that carries them.

A scenario, organisation or staffing file is checked as a whole: every problem
found becomes one :class:`Issue` that names the file, the line, the field path
and the offending value, says what was expected and suggests a fix, in Chinese
with an English version beside it. :class:`ScenarioError` carries the full list
so that a user sees every problem in one pass instead of fixing them one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem found in an input file.

    ``message_zh``/``message_en`` say what is wrong and ``hint_zh``/``hint_en``
    what to do about it. ``path`` is the field path such as
    ``task_types[3].duration.sigma``; ``line`` is 1-based, or ``None`` when the
    problem concerns the whole file.
    """

    file: str
    path: str
    message_zh: str
    message_en: str
    value: object = None
    line: int | None = None
    hint_zh: str = ""
    hint_en: str = ""

    def format(self, lang: str = "zh") -> str:
        """Return the issue as one or two lines of text in ``lang`` ('zh' or 'en')."""

        where = self.file
        if self.line is not None:
            where += f":{self.line}" if lang == "en" else f" 第{self.line}行"
        field_label = "field" if lang == "en" else "字段"
        value_label = "value" if lang == "en" else "值"
        message = self.message_en if lang == "en" else self.message_zh
        hint = self.hint_en if lang == "en" else self.hint_zh

        text = f"{where}"
        if self.path:
            text += f"  {field_label} {self.path}"
        if self.value is not None:
            text += f"  {value_label} {_short_repr(self.value)}"
        text += f"\n    {message}"
        if hint:
            text += f" {hint}"
        return text


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ScenarioError(Exception):
    """Raised when one or more input files are invalid; carries every issue found."""

    issues: list[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return self.format("en")

    def format(self, lang: str = "zh") -> str:
        """Return all issues as text, with a heading that counts them."""

        count = len(self.issues)
        if lang == "en":
            heading = f"{count} problem(s) found in the input files:"
        else:
            heading = f"输入文件中发现 {count} 处问题："
        lines = [heading]
        for number, issue in enumerate(self.issues, start=1):
            lines.append(f"{number}. {issue.format(lang)}")
        return "\n".join(lines)


class IssueCollector:
    """Collects issues for one file, with the line of each field path.

    ``lines`` maps a field path to its 1-based line number, as produced by
    :func:`sim.yamlio.load_yaml_file`. ``flagged`` contains the paths whose value
    the YAML reader already reported (such as an unquoted ``yes``), so that
    :meth:`add` does not report the same value a second time.
    """

    def __init__(self, file: str, lines: dict[str, int] | None = None):
        self.file = file
        self.lines = lines or {}
        self.issues: list[Issue] = []
        self.flagged: set[str] = set()

    def line_of(self, path: str) -> int | None:
        """Return the line of ``path`` or of its nearest parent that has one."""

        probe = path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            if cut <= 0:
                break
            probe = probe[:cut]
        return self.lines.get(probe)

    def add(
        self,
        path: str,
        message_zh: str,
        message_en: str,
        value: object = None,
        hint_zh: str = "",
        hint_en: str = "",
    ) -> None:
        """Record one issue at ``path``, unless the YAML reader already reported the value there."""

        if path in self.flagged:
            return
        self.issues.append(
            Issue(
                file=self.file,
                path=path,
                message_zh=message_zh,
                message_en=message_en,
                value=value,
                line=self.line_of(path),
                hint_zh=hint_zh,
                hint_en=hint_en,
            )
        )

    def raise_if_any(self) -> None:
        """Raise :class:`ScenarioError` with every issue collected so far, in line order within each file."""

        if self.issues:
            files = list(dict.fromkeys(issue.file for issue in self.issues))
            ordered = sorted(self.issues, key=lambda issue: (files.index(issue.file), issue.line or 0))
            raise ScenarioError(ordered)
