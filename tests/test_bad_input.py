"""Bad input files: each mistake is reported with file, line, field, value and a fix, never a crash.

The files are in tests/data/bad/. Each scenario there is a copy of valid.yaml
with the defects that its name and first comment line describe, and refers to
the small organisation.yaml beside it. Tests load them with the real loader,
and a handful through the real ``hqsim`` command as a subprocess.

GBK/GB18030, UTF-8 with a byte-order mark and UTF-16 with a byte-order mark
are read correctly. Binary, empty and undecodable files are rejected with a
message that names the problem.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.errors import Issue, ScenarioError
from sim.experiment import MAX_REPLICATIONS, run_experiment
from sim.limits import MAX_INJECTS
from sim.loader import load_scenario
from sim.metrics import task_log
from sim.model import run_replication

BAD = Path(__file__).resolve().parent / "data" / "bad"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_error(name: str) -> ScenarioError:
    """Load ``BAD/name`` and return the ScenarioError it must raise."""

    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / name)
    return caught.value


def line_of(name: str, fragment: str, occurrence: int = 1) -> int:
    """Return the 1-based number of the ``occurrence``-th line of ``BAD/name`` that contains ``fragment``.

    Comment lines are skipped, because each file's first comment describes its defect in the same words.
    """

    lines = (BAD / name).read_text(encoding="utf-8").splitlines()
    matches = [number for number, line in enumerate(lines, start=1)
               if fragment in line and not line.lstrip().startswith("#")]
    assert len(matches) >= occurrence, f"{fragment!r} not {occurrence} times in {name}"
    return matches[occurrence - 1]


def issues_at(error: ScenarioError, path: str) -> list[Issue]:
    return [issue for issue in error.issues if issue.path == path]


def assert_reported(error: ScenarioError, name: str, path: str, line: int, value, phrase_zh: str,
                    phrase_en: str) -> Issue:
    """Assert that exactly one issue is at ``path`` and that both languages show file, line, field, value and phrase."""

    found = issues_at(error, path)
    assert len(found) == 1, error.format("zh")
    issue = found[0]
    chinese = issue.format("zh")
    english = issue.format("en")
    assert name in chinese
    assert f"第{line}行" in chinese
    assert f"字段 {path}" in chinese
    assert repr(value) in chinese
    assert phrase_zh in chinese
    assert issue.hint_zh, "every issue suggests a fix"
    assert f"{name}:{line}" in english
    assert f"field {path}" in english
    assert phrase_en in english
    assert issue.hint_en
    return issue


def hqsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed ``hqsim`` command (or ``python -m sim.cli`` without it) and capture its output."""

    script = Path(sys.executable).parent / "hqsim"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]
    return subprocess.run(command + list(args), cwd=cwd, capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------- one defect per file

SINGLE_DEFECTS = [
    # file, field path, (text on the reported line, its occurrence), value shown, Chinese phrase, English phrase
    ("duplicate_key.yaml", "horizon", ('horizon: "09:00"', 1), "horizon", "重复出现（前一次在第7行）", "Duplicate key"),
    ("date.yaml", "injects[1].time", ("time: 2024-05-01", 1), "2024-05-01", "被识别为日期", "read as a date"),
    ("unknown_task_type.yaml", "injects[0].tasks[1]", ("伤员救冶", 1), "伤员救冶", "是否应为“伤员救治”",
     "Did you mean '伤员救治'"),
    ("unknown_group.yaml", "task_types[2].group", ("医疗卫生保证组", 1), "医疗卫生保证组", "是否应为“医疗卫生保障组”",
     "Did you mean '医疗卫生保障组'"),
    ("duplicate_task_type.yaml", "task_types[3].id", ("- id: 伤员救治", 2), "伤员救治", "任务类型“伤员救治”重复",
     "defined twice"),
    ("duplicate_inject.yaml", "injects[1].id", ("- id: I01", 2), "I01", "情景注入“I01”重复", "listed twice"),
    ("duplicate_target.yaml", "targets[1].id", ("- id: 首报1小时", 2), "首报1小时", "时间目标“首报1小时”重复",
     "defined twice"),
    ("cycle.yaml", "task_types[1].follow_ups", ("follow_ups:", 1), "信息汇总上报 → 伤员救治 → 信息汇总上报",
     "后续任务构成循环：信息汇总上报 → 伤员救治 → 信息汇总上报", "form a cycle"),
    ("one_of_sum.yaml", "task_types[2].follow_ups[0].one_of", ("one_of:", 1), [0.7, 0.6], "概率之和为 1.3，超过 1",
     "sum to 1.3, above 1"),
    ("inject_after_horizon.yaml", "injects[1].time", ('time: "09:30"', 1), "09:30", "晚于模拟结束时间 horizon 08:00",
     "after the horizon"),
    ("triangular_min_above_max.yaml", "task_types[0].duration", ("min: 12", 1), {"min": 12.0, "mode": 4.0, "max": 8.0},
     "三角分布须满足 min ≤ mode ≤ max", "triangular needs min <= mode <= max"),
    ("lognormal_negative_sigma.yaml", "departments.default.mobilisation.sigma", ("sigma: -0.4", 1), -0.4,
     "sigma 不能为负数", "sigma must not be negative"),
    ("unstaffed.yaml", "departments.市气象局.staff", ("市气象局: {staff: 0}", 1), 0, "现场人数为 0，但任务类型 气象监测 需要它",
     "has no on-site staff"),
]


@pytest.mark.parametrize("name, path, where, value, phrase_zh, phrase_en", SINGLE_DEFECTS,
                         ids=[case[0] for case in SINGLE_DEFECTS])
def test_single_defect_reported(name, path, where, value, phrase_zh, phrase_en):
    """A file with one defect raises one issue that names the file, line, field and value and suggests a fix."""

    error = load_error(name)
    assert len(error.issues) == 1, error.format("zh")
    assert_reported(error, name, path, line_of(name, *where), value, phrase_zh, phrase_en)


def test_valid_file_loads():
    """The base file that every bad file is copied from loads, so each failure comes from the file's own defect."""

    scenario = load_scenario(BAD / "valid.yaml")
    assert set(scenario.task_types) == {"指令接收与转发", "信息汇总上报", "伤员救治", "气象监测"}
    assert scenario.horizon == 480


# ---------------------------------------------------------------- YAML traps


def test_duplicate_key_not_last_wins():
    """A duplicated key is an error even though the second value would be valid; the loader never keeps the last one."""

    error = load_error("duplicate_key.yaml")
    issue = error.issues[0]
    assert issue.line == line_of("duplicate_key.yaml", 'horizon: "09:00"')
    assert "程序不会悄悄采用最后一个" in issue.hint_zh


@pytest.mark.parametrize("word, path", [
    ("no", "name"), ("off", "name_en"), ("yes", "allow_unstaffed"),
    ("on", "streams[0].relayed"), ("y", "targets[0].name"), ("n", "injects[1].description"),
])
def test_yaml11_boolean_words(word, path):
    """Unquoted no/off/yes/on/y/n are rejected as ambiguous YAML 1.1 booleans, each once, at its own line."""

    name = "yaml11_booleans.yaml"
    error = load_error(name)
    field = path.rsplit(".", 1)[-1]
    assert len(issues_at(error, path)) == 1, error.format("zh")
    assert_reported(error, name, path, line_of(name, f"{field}: {word}"), word, "YAML 1.1 会把它当作布尔值",
                    "reads it as a boolean")
    assert "请写 true 或 false；若是文字请加引号" in issues_at(error, path)[0].hint_zh


def test_yaml11_booleans_all_reported():
    """All six ambiguous words in one file are reported together, one issue each."""

    assert len(load_error("yaml11_booleans.yaml").issues) == 6


@pytest.mark.parametrize("path, fragment, value", [
    ("horizon", "horizon: 10:30", "10:30"),
    ("injects[1].time", "time: 1:30", "1:30"),
])
def test_base60_time_rejected(path, fragment, value):
    """An unquoted HH:MM is rejected as a YAML 1.1 base-60 number, and the fix quotes it."""

    error = load_error("base60.yaml")
    issue = assert_reported(error, "base60.yaml", path, line_of("base60.yaml", fragment), value, "六十进制",
                            "base-60 number")
    assert f'"{value}"' in issue.hint_zh


def test_leading_zero_time_accepted(tmp_path):
    """An unquoted 01:30 is text in YAML 1.1 (base-60 needs a first digit 1-9), so it is read as 90 minutes."""

    text = (BAD / "valid.yaml").read_text(encoding="utf-8").replace("    time: 90\n", "    time: 01:30\n")
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    (tmp_path / "scenario.yaml").write_text(text, encoding="utf-8")
    assert load_scenario(tmp_path / "scenario.yaml").injects[1].time == 90


def test_tab_indentation_line():
    """A tab in the indentation is rejected at its line with the fix to use spaces."""

    error = load_error("tabs.yaml")
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert issue.line == line_of("tabs.yaml", "\tduty: 2")
    assert "tabs.yaml 第" in issue.format("zh")
    assert "'duty: 2'" in issue.format("zh")
    assert "制表符" in issue.message_zh
    assert "空格" in issue.hint_zh
    assert "tab" in issue.format("en")


@pytest.mark.parametrize("name, type_zh, type_en", [
    ("top_list.yaml", "列表", "a list"),
    ("top_scalar.yaml", "文字", "text"),
])
def test_top_level_not_mapping(name, type_zh, type_en):
    """A file whose top level is a list or a single value is rejected, naming what was found and what is expected."""

    error = load_error(name)
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert issue.line == 2
    assert f"文件顶层应为映射（键: 值），实际为{type_zh}" in issue.format("zh")
    assert "schema: hqsim-scenario/1" in issue.hint_zh
    assert f"not {type_en}" in issue.format("en")


def test_top_level_value_shown():
    """The single value at the top level is shown, so the user sees what was read."""

    issue = load_error("top_scalar.yaml").issues[0]
    assert "'储罐区火灾情景'" in issue.format("zh")


# ---------------------------------------------------------------- encodings


def test_gbk_file_read():
    """A scenario saved as GBK is decoded as GB18030, and its Chinese text arrives intact."""

    raw = (BAD / "gbk.yaml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    scenario = load_scenario(BAD / "gbk.yaml")
    assert scenario.description == "储罐区发生爆炸并引发大火，需要救治伤员、监测气象并上报信息。"
    assert scenario.name == "测试情景：储罐区火灾"
    assert "伤员救治" in scenario.task_types
    assert scenario.injects[0].description == "储罐区发生爆炸并引发大火，多人受伤。"


@pytest.mark.parametrize("name, prefix", [
    ("utf8_bom.yaml", b"\xef\xbb\xbf"),
    ("utf16.yaml", b"\xff\xfe"),
])
def test_byte_order_mark_read(name, prefix):
    """UTF-8 with a BOM and UTF-16 with a BOM (Windows Notepad) load like the plain UTF-8 file."""

    assert (BAD / name).read_bytes().startswith(prefix)
    scenario = load_scenario(BAD / name)
    reference = load_scenario(BAD / "valid.yaml")
    assert scenario.name == reference.name
    assert scenario.description == reference.description
    assert scenario.task_types == reference.task_types
    assert scenario.injects == reference.injects


@pytest.mark.parametrize("name, phrase_zh, phrase_en", [
    ("binary.yaml", "文件不是文本文件（含二进制内容）", "not a text file"),
    ("empty.yaml", "文件为空", "The file is empty"),
    ("comments_only.yaml", "文件中没有内容（只有注释或空行）", "has no content"),
    ("undecodable.yaml", "既不是 UTF-8，也不是 GBK/GB18030", "neither UTF-8 nor GBK/GB18030"),
])
def test_unreadable_file_message(name, phrase_zh, phrase_en):
    """Binary, empty, comment-only and undecodable files get one clear message with the file name and a fix."""

    error = load_error(name)
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert name in issue.format("zh")
    assert phrase_zh in issue.message_zh
    assert phrase_en in issue.message_en
    assert issue.hint_zh


def test_undecodable_line_and_bytes():
    """An undecodable file names the line of the first bad byte and shows the bytes."""

    issue = load_error("undecodable.yaml").issues[0]
    assert issue.line == 3
    assert "\\xff" in issue.format("zh")
    assert "UTF-8" in issue.hint_zh


def test_missing_file_and_folder(tmp_path):
    """A missing path and a folder given in place of a file are rejected with the path shown."""

    with pytest.raises(ScenarioError) as missing:
        load_scenario(tmp_path / "nothing.yaml")
    assert "找不到文件" in missing.value.format("zh")
    assert "nothing.yaml" in missing.value.format("zh")

    with pytest.raises(ScenarioError) as folder:
        load_scenario(tmp_path)
    assert "这是一个文件夹，不是文件" in folder.value.format("zh")


# ---------------------------------------------------------------- references


def test_unknown_department_suggestions():
    """Misspelt department names, in requires and in a staffing option, each get the closest existing name."""

    name = "unknown_department.yaml"
    error = load_error(name)
    assert len(error.issues) == 2
    assert_reported(error, name, "task_types[2].requires[0]", line_of(name, "市公安厅"), "市公安厅",
                    "是否应为“市公安局”", "Did you mean '市公安局'")
    assert_reported(error, name, "staffing.加强医疗.departments.市卫生计生局", line_of(name, "市卫生计生局"), "市卫生计生局",
                    "是否应为“市卫生计生委”", "Did you mean '市卫生计生委'")


def test_duplicate_department_in_organisation():
    """A department listed twice in the organisation file is reported in that file, with the line of the first."""

    error = load_error("duplicate_department.yaml")
    assert len(error.issues) == 1
    issue = error.issues[0]
    organisation = "organisation_duplicate_department.yaml"
    lines = (BAD / organisation).read_text(encoding="utf-8").splitlines()
    first, second = [number for number, line in enumerate(lines, start=1) if line == "  - name: 市公安局"]
    assert issue.file.endswith(organisation)
    assert issue.line == second
    assert issue.path == "departments[2].name"
    assert f"部门“市公安局”重复（首次出现在第{first}行）" in issue.format("zh")
    assert "'市公安局'" in issue.format("zh")
    assert "listed twice" in issue.format("en")


def test_duplicate_names_point_at_first():
    """A duplicate task type, inject or target names the line where the name was first used."""

    for name, fragment in (("duplicate_task_type.yaml", "  - id: 伤员救治"), ("duplicate_inject.yaml", "  - id: I01"),
                           ("duplicate_target.yaml", "  - id: 首报1小时")):
        first = line_of(name, fragment)
        message = load_error(name).issues[0].message_zh
        assert f"首次出现在第{first}行" in message, name


def test_invalid_task_type_reported_once(tmp_path):
    """A task type with a bad duration is reported once, not again as 'not found' at each inject that names it."""

    text = (BAD / "valid.yaml").read_text(encoding="utf-8").replace(
        "duration: {dist: fixed, value: 15}", "duration: {dist: fixed, value: -15}")
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    (tmp_path / "scenario.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "scenario.yaml")
    assert len(caught.value.issues) == 1
    assert caught.value.issues[0].path == "task_types[3].duration.value"


# ---------------------------------------------------------------- numbers


def test_negative_numbers():
    """Negative staff, teams, duration, inject time and rate are each reported with the allowed range or the fix."""

    name = "negative_numbers.yaml"
    error = load_error(name)
    assert len(error.issues) == 5
    assert_reported(error, name, "departments.市安全监管局.staff", line_of(name, "staff: -1"), -1,
                    "应在 0 到 1000 之间，实际为 -1", "Must be from 0 to 1000")
    assert_reported(error, name, "groups.医疗卫生保障组.teams", line_of(name, "teams: -1"), -1,
                    "应在 1 到 200 之间，实际为 -1", "Must be from 1 to 200")
    assert_reported(error, name, "task_types[3].duration.value", line_of(name, "value: -5"), -5,
                    "不能为负数", "must not be negative")
    assert_reported(error, name, "injects[1].time", line_of(name, "time: -10"), -10,
                    "时间不能早于事故发生", "cannot be before the accident")
    assert_reported(error, name, "streams[0].rates[1].per_hour", line_of(name, "per_hour: -2"), -2,
                    "应在 ≥0 且 ≤600 的范围内", "Must be >= 0 and <= 600")


def test_zero_where_meaningless():
    """Zero is rejected for the horizon, a team count, target minutes and a lognormal median."""

    name = "zero_values.yaml"
    error = load_error(name)
    assert len(error.issues) == 4
    assert_reported(error, name, "horizon", line_of(name, "horizon: 0"), 0, "模拟时长应大于 0", "must be above 0")
    assert_reported(error, name, "groups.医疗卫生保障组.teams", line_of(name, "teams: 0"), 0,
                    "应在 1 到 200 之间，实际为 0", "Must be from 1 to 200")
    assert_reported(error, name, "targets[0].minutes", line_of(name, "minutes: 0"), 0, "应在 >0", "Must be > 0")
    assert_reported(error, name, "departments.default.mobilisation.median", line_of(name, "median: 0"), 0.0,
                    "median 必须大于 0", "median must be greater than 0")


def test_nan_values():
    """NaN (.nan) as a staff count, probability, duration or rate is rejected as not a finite number."""

    name = "nan_values.yaml"
    error = load_error(name)
    assert len(error.issues) == 4
    cases = [
        ("departments.市安全监管局.staff", "staff: .nan", "应为 0 到 1000 之间的整数，实际为数字 nan"),
        ("task_types[2].follow_ups[0].probability", "probability: .nan", "应为有限数字，实际为数字 nan"),
        ("task_types[3].duration.value", "value: .nan", "参数 value 应为有限数字，实际为 nan"),
        ("streams[0].rates[0].per_hour", "per_hour: .nan", "应为有限数字，实际为数字 nan"),
    ]
    for path, fragment, phrase in cases:
        issue = assert_reported(error, name, path, line_of(name, fragment), float("nan"), phrase, "nan")
        assert math.isnan(issue.value)


def test_infinite_values():
    """Infinity (.inf) as the horizon, a mean duration, a team count or target minutes is rejected."""

    name = "inf_values.yaml"
    error = load_error(name)
    assert len(error.issues) == 4
    inf = float("inf")
    assert_reported(error, name, "horizon", line_of(name, "horizon: .inf"), inf, "时间格式无效", "Invalid time")
    assert_reported(error, name, "task_types[2].duration.mean", line_of(name, "mean: .inf"), inf,
                    "参数 mean 应为有限数字", "must be a finite number")
    assert_reported(error, name, "groups.医疗卫生保障组.teams", line_of(name, "teams: .inf"), inf,
                    "应为 1 到 200 之间的整数", "whole number")
    assert_reported(error, name, "targets[0].minutes", line_of(name, "minutes: .inf"), inf, "应为有限数字",
                    "finite number")


def test_absurd_sizes_state_limit():
    """Absurd staff, teams, rates and horizon are rejected and each message states the limit."""

    name = "absurd_sizes.yaml"
    error = load_error(name)
    assert len(error.issues) == 4
    assert_reported(error, name, "horizon", line_of(name, "9999:00"), "9999:00", "不超过 720 小时", "at most 720 hours")
    assert_reported(error, name, "departments.市安全监管局.staff", line_of(name, "staff: 100000"), 100000,
                    "应在 0 到 1000 之间", "from 0 to 1000")
    assert_reported(error, name, "groups.医疗卫生保障组.teams", line_of(name, "teams: 5000"), 5000,
                    "应在 1 到 200 之间", "from 1 to 200")
    assert_reported(error, name, "streams[0].rates[1].per_hour", line_of(name, "per_hour: 100000"), 100000,
                    "≤600", "<= 600")


def test_twenty_thousand_injects(tmp_path):
    """A generated file with 20,000 injects is rejected at the injects line, with the limit stated."""

    data = yaml.safe_load((BAD / "valid.yaml").read_text(encoding="utf-8"))
    data["injects"] = [{"id": f"I{number:05d}", "time": number % 400, "description": "生成的注入", "tasks": ["气象监测"]}
                       for number in range(20_000)]
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    path = tmp_path / "many_injects.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    issues = issues_at(caught.value, "injects")
    assert len(issues) == 1
    text = issues[0].format("zh")
    assert f"上限 {MAX_INJECTS}" in text
    assert "20000" in text
    assert issues[0].line == path.read_text(encoding="utf-8").splitlines().index("injects:") + 1
    assert f"limit {MAX_INJECTS}" in issues[0].format("en")


@pytest.mark.parametrize("change, path, phrase", [
    ({"injects": [{"id": "I1", "time": 0, "description": "大量任务", "tasks": ["气象监测"] * 20_001}]},
     "injects", "上限 20000"),
    ({"streams": [{"id": "流", "task": "气象监测", "rates": [{"from": 0, "per_hour": 600}]}]},
     "streams", "上限 100000"),
])
def test_total_work_limits(tmp_path, change, path, phrase):
    """Injects that create too many tasks, or streams that bring too many arrivals, are rejected with the limit."""

    data = yaml.safe_load((BAD / "valid.yaml").read_text(encoding="utf-8"))
    data["horizon"] = "720:00"
    data.update(change)
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    target = tmp_path / "scenario.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(target)
    issues = issues_at(caught.value, path)
    assert len(issues) == 1, caught.value.format("zh")
    assert phrase in issues[0].message_zh


def test_follow_up_explosion_limit(tmp_path):
    """A follow-up chain that doubles at each of 12 steps (about 8,000 tasks per task) is rejected with the limit."""

    data = yaml.safe_load((BAD / "valid.yaml").read_text(encoding="utf-8"))
    chain = [{"id": f"步骤{step}", "group": "综合协调组", "duty": 1, "duration": 1,
              "follow_ups": [{"task": f"步骤{step + 1}"}, {"task": f"步骤{step + 1}"}] if step < 12 else []}
             for step in range(13)]
    data["task_types"] += chain
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    target = tmp_path / "scenario.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(target)
    assert len(caught.value.issues) == 1
    issue = caught.value.issues[0]
    assert issue.path == "task_types[4].follow_ups"
    assert "上限 1000" in issue.message_zh
    assert "8.19e+03" in issue.message_zh


# ---------------------------------------------------------------- staffing


def test_unstaffed_hint_names_allow_unstaffed():
    """A needed department with no staff is an error before the run, and the fix names allow_unstaffed."""

    issue = load_error("unstaffed.yaml").issues[0]
    assert "allow_unstaffed: true" in issue.hint_zh
    assert "市气象局" in issue.message_zh


def test_unstaffed_in_staffing_option(tmp_path):
    """Zero staff set by a staffing option is reported at that option's line, and only for that option."""

    text = (BAD / "valid.yaml").read_text(encoding="utf-8").replace(
        "{市卫生计生委: {staff: 4}}", "{市卫生计生委: {staff: 0}}")
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).staffing_name == "基准"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, staffing="加强医疗")
    issue = caught.value.issues[0]
    assert issue.path == "staffing.加强医疗.departments.市卫生计生委.staff"
    assert issue.line == text.splitlines().index("    departments: {市卫生计生委: {staff: 0}}") + 1


def test_unstaffed_default_staff(tmp_path):
    """A department that takes a default of zero staff is reported at departments.default.staff."""

    text = (BAD / "valid.yaml").read_text(encoding="utf-8").replace(
        "default: {staff: 2, mobilisation:", "default: {staff: 0, mobilisation:")
    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    default_line = text.splitlines().index("  default: {staff: 0, mobilisation: {dist: lognormal, median: 20, sigma: 0.4}}") + 1
    assert {issue.path for issue in caught.value.issues} == {"departments.default.staff"}
    assert {issue.line for issue in caught.value.issues} == {default_line}


def test_allow_unstaffed_run_leaves_tasks_unfinished():
    """With allow_unstaffed: true the run completes, and every task needing the unstaffed department is unfinished."""

    scenario = load_scenario(BAD / "unstaffed_allowed.yaml")
    result = run_experiment(scenario, 3, seed=11)
    log = result.task_log
    weather = log[log["task_type"] == "气象监测"]
    others = log[log["task_type"] != "气象监测"]
    assert result.replications == 3
    assert len(weather) == 3
    assert weather["unfinished"].all()
    assert weather["start"].isna().all()
    assert (weather["longest_wait_resource"] == "市气象局").all()
    assert not others["unfinished"].all()


def test_allow_unstaffed_single_replication():
    """One replication with allow_unstaffed ends at the horizon and logs the unstaffed task as unfinished."""

    scenario = load_scenario(BAD / "unstaffed_allowed.yaml")
    output = run_replication(scenario, 5, 0)
    log = task_log(output, scenario)
    assert output.horizon == 480
    assert log.loc[log["task_type"] == "气象监测", "unfinished"].tolist() == [True]


# ---------------------------------------------------------------- everything at once


def test_many_errors_reported_together():
    """Five different problems in one file come in one ScenarioError with five issues, in line order."""

    name = "many_errors.yaml"
    error = load_error(name)
    assert len(error.issues) == 5
    assert [issue.path for issue in error.issues] == [
        "horizon", "groups.医疗卫生保障组.teams", "task_types[0].duration", "task_types[2].group", "injects[1].id",
    ]
    lines = [issue.line for issue in error.issues]
    assert lines == sorted(lines)
    assert error.format("zh").startswith("输入文件中发现 5 处问题")
    assert error.format("en").startswith("5 problem(s) found")
    for issue in error.issues:
        assert name in issue.format("zh")
        assert issue.hint_zh, issue.path
        assert issue.hint_en, issue.path


def test_weird_shapes_no_crash():
    """Lists, numbers and empty values where mappings, lists or names belong are each reported, with the type found."""

    name = "weird_shapes.yaml"
    error = load_error(name)
    expected = {
        "groups.default": "默认工作组配置应为映射（键: 值），实际为整数",
        "groups.医疗卫生保障组": "工作组配置应为映射（键: 值），实际为列表",
        "task_types[1].duration": "分布应写成映射",
        "task_types[2].requires": "所需部门（requires）应为列表，实际为映射",
        "task_types[3].group": "找不到工作组“17”",
        "injects[1].tasks[0]": "任务类型应写成名称（文字），实际为列表",
        "streams[0].rates": "到达率分段（rates）应为列表，实际为数字",
        "staffing.基准": "人员配置方案应为映射（键: 值），实际为列表",
        "hq_activation": "分布应写成映射",
    }
    assert {issue.path for issue in error.issues} == set(expected)
    for path, phrase in expected.items():
        issue = issues_at(error, path)[0]
        assert phrase in issue.message_zh, path
        assert issue.line is not None, path
        assert issue.hint_zh, path


@pytest.mark.parametrize("text", [
    "a: &x [*x]\n",
    "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "".join("  " * depth + f"k{depth}:\n" for depth in range(300)) + "  " * 300 + "v\n",
    "schema: hqsim-scenario/1\norganisation: organisation.yaml\nhorizon: " + "9" * 400 + "\n",
    'schema: hqsim-scenario/1\norganisation: "a\\0b"\n',
    "schema: hqsim-scenario/1\norganisation: organisation.yaml\ndefault_staffing: [1]\nstaffing: {甲: {}}\n",
    "schema: hqsim-scenario/1\norganisation: organisation.yaml\nhq_activation: {dist: [1]}\n",
    "schema: hqsim-scenario/1\norganisation: organisation.yaml\ntask_types: [{id: 甲, duration: {dist: lognormal, "
    "median: 1, sigma: 1000}}]\n",
    "a: b\x01c\n",
    "a: 1\n---\nb: 2\n",
    "? [a, b]\n: 1\n",
    "a: !!python/object/apply:os.system ['echo hi']\n",
    "<<: {a: 1}\n",
], ids=["recursive-alias", "alias-bomb", "deep-flow", "deep-block", "huge-integer", "nul-in-path",
        "list-as-staffing-name", "list-as-distribution-type", "huge-sigma", "control-character",
        "two-documents", "complex-key", "python-tag", "merge-key"])
def test_hostile_yaml_rejected(tmp_path, text):
    """Hostile or broken YAML (alias bombs, deep nesting, huge numbers, odd tags) raises ScenarioError quickly."""

    shutil.copy(BAD / "organisation.yaml", tmp_path / "organisation.yaml")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.issues
    for issue in caught.value.issues:
        assert issue.message_zh
        assert issue.message_en
        assert issue.format("zh")


# ---------------------------------------------------------------- the command line

CLI_CASES = [
    # file, texts that stderr must contain
    ("duplicate_key.yaml", ["duplicate_key.yaml 第8行", "字段 horizon", "重复出现"]),
    ("base60.yaml", ["base60.yaml 第7行", "字段 horizon", "'10:30'", "六十进制"]),
    ("binary.yaml", ["binary.yaml", "不是文本文件"]),
    ("unknown_group.yaml", ["unknown_group.yaml 第38行", "task_types[2].group", "'医疗卫生保证组'", "医疗卫生保障组"]),
    ("cycle.yaml", ["cycle.yaml", "信息汇总上报 → 伤员救治 → 信息汇总上报"]),
    ("unstaffed.yaml", ["unstaffed.yaml 第14行", "departments.市气象局.staff", "allow_unstaffed"]),
    ("many_errors.yaml", ["输入文件中发现 5 处问题"]),
    ("undecodable.yaml", ["undecodable.yaml 第3行", "GBK/GB18030"]),
]


@pytest.mark.parametrize("name, expected", CLI_CASES, ids=[case[0] for case in CLI_CASES])
def test_cli_bad_file(tmp_path, name, expected):
    """`hqsim run` on a bad file exits 2, prints the Chinese message on stderr, no traceback, and writes nothing."""

    out = tmp_path / "out"
    completed = hqsim("run", str(BAD / name), "-n", "1", "--no-figures", "--out", str(out), cwd=PROJECT_ROOT)
    assert completed.returncode == 2, completed.stderr
    for text in expected:
        assert text in completed.stderr
    assert "请修改上述问题后重新运行" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_english_message(tmp_path):
    """`hqsim --lang en run` on a bad file prints the English message with file:line."""

    completed = hqsim("--lang", "en", "run", str(BAD / "unknown_group.yaml"), "-n", "1", "--no-figures",
                      "--out", str(tmp_path), cwd=PROJECT_ROOT)
    assert completed.returncode == 2
    assert "unknown_group.yaml:38" in completed.stderr
    assert "Did you mean '医疗卫生保障组'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_cli_gbk_file_runs(tmp_path):
    """`hqsim run` on the GBK file runs to the end and exits 0."""

    completed = hqsim("run", str(BAD / "gbk.yaml"), "-n", "1", "--no-figures", "--out", str(tmp_path),
                      cwd=PROJECT_ROOT)
    assert completed.returncode == 0, completed.stderr
    assert "测试情景：储罐区火灾" in completed.stdout


def test_cli_absurd_replications(tmp_path):
    """`--replications 10000000` is rejected before any work, with the limit stated."""

    completed = hqsim("run", str(BAD / "valid.yaml"), "--replications", "10000000", "--no-figures",
                      "--out", str(tmp_path), cwd=PROJECT_ROOT)
    assert completed.returncode == 2
    assert "--replications" in completed.stderr
    assert str(MAX_REPLICATIONS) in completed.stderr
    assert "10000000" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert list(tmp_path.iterdir()) == []
