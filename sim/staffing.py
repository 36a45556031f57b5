"""Staffing options kept in files of their own.

A planner who edits staff and team counts (in the dashboard or by hand) can
save them as a staffing option file instead of editing the scenario:

    schema: hqsim-staffing/1
    name: 加强舆情
    description: 市委宣传部多派2人
    scenario: default.yaml          # the scenario file it was made for
    departments: {市委宣传部（市政府新闻办）: {staff: 4}}
    groups: {舆情新闻信息组: {teams: 2}}

Such files live in the ``staffing/`` folder beside the scenario. They are
found by name like the options written inside the scenario, and a path to
one can also be given in place of a name.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml

from sim.errors import IssueCollector, ScenarioError
from sim.loader import FieldChecker, load_scenario, parse_staffing_option
from sim.scenario import Scenario, StaffingOption
from sim.yamlio import load_yaml_file

STAFFING_SCHEMA = "hqsim-staffing/1"
STAFFING_FOLDER = "staffing"
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def staffing_folder(scenario: Scenario) -> Path:
    """Return the folder where staffing option files for ``scenario`` are kept."""

    return Path(scenario.path).resolve().parent / STAFFING_FOLDER


def load_staffing_file(path: str | Path, scenario: Scenario) -> StaffingOption:
    """Load and validate a staffing option file against ``scenario``'s organisation."""

    data, collector = load_yaml_file(path)
    check = FieldChecker(collector)
    if not isinstance(data, dict):
        collector.add("", "人员配置文件顶层应为映射（键: 值）。", "The top level of a staffing file must be a mapping.",
                      type(data).__name__)
        collector.raise_if_any()
    if data.get("schema") != STAFFING_SCHEMA:
        collector.add("schema", f"schema 应为 {STAFFING_SCHEMA}。", f"schema must be {STAFFING_SCHEMA}.",
                      data.get("schema"), "请确认这是人员配置方案文件。", "Check that this is a staffing option file.")
    name = check.text(data, "name", "")
    check.unknown_keys(data, {"schema", "name", "description", "scenario", "departments", "groups"}, "")
    body = {key: data[key] for key in ("description", "departments", "groups") if key in data}
    option = parse_staffing_option(name or Path(path).stem, body, check, scenario.organisation, "")
    collector.raise_if_any()
    return option


def discover_staffing_files(scenario: Scenario) -> dict[str, Path]:
    """Return the staffing option files made for ``scenario``, by option name."""

    folder = staffing_folder(scenario)
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    scenario_file = Path(scenario.path).name
    for path in sorted(folder.glob("*.yaml")):
        # Read like any input file (BOM, GB18030); a broken file is skipped here and reported when used by path.
        try:
            data, _ = load_yaml_file(path)
        except ScenarioError:
            continue
        if isinstance(data, dict) and data.get("schema") == STAFFING_SCHEMA and data.get("scenario") == scenario_file:
            found[str(data.get("name") or path.stem)] = path
    return found


def with_option(scenario: Scenario, option: StaffingOption) -> Scenario:
    """Return ``scenario`` with ``option`` added to its options and applied."""

    options = {**scenario.staffing_options, option.name: option}
    return replace(scenario, staffing_options=options).with_staffing(option.name)


def apply_staffing(scenario: Scenario, staffing: str | None) -> Scenario:
    """Apply ``staffing``: an option name (in the scenario or its staffing folder) or a staffing file path."""

    if staffing is None or staffing in scenario.staffing_options:
        return scenario.with_staffing(staffing)

    candidate = Path(staffing)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return with_option(scenario, load_staffing_file(candidate, scenario))

    files = discover_staffing_files(scenario)
    if staffing in files:
        return with_option(scenario, load_staffing_file(files[staffing], scenario))

    # Unknown everywhere: let with_staffing report it with the list of every option.
    options = {**scenario.staffing_options, **{name: StaffingOption(name) for name in files}}
    return replace(scenario, staffing_options=options).with_staffing(staffing)


def load_scenario_with_staffing(path: str | Path, staffing: str | None = None, **kwargs) -> Scenario:
    """Load a scenario and apply ``staffing`` as :func:`apply_staffing` does.

    Keyword arguments go to :func:`sim.loader.load_scenario`.
    """

    return apply_staffing(load_scenario(path, **kwargs), staffing)


def save_staffing_option(scenario: Scenario, name: str, description: str, staff: dict[str, int],
                         teams: dict[str, int], folder: Path | None = None) -> Path:
    """Write the staff and team counts that differ from the scenario's file as a staffing option file.

    ``staff`` and ``teams`` are complete tables (every department, every
    group). Only the entries that differ from the scenario file's own values
    (no option applied) are written. The file goes into ``folder`` (by default the
    scenario's staffing folder) and never outside it. Raises ScenarioError
    for an invalid name or a name that is already taken.
    """

    collector = IssueCollector(STAFFING_FOLDER)
    clean = name.strip()
    if not clean or _UNSAFE_NAME.search(clean) or clean.startswith(".") or len(clean) > 40:
        collector.add("name", "方案名称无效：不能为空，不能以“.”开头，不能含 \\ / : * ? \" < > | 等字符，且不超过40字。",
                      "Invalid option name: it must be non-empty, must not start with '.', must not contain "
                      "\\ / : * ? \" < > |, and must be at most 40 characters.", name)
    taken = set(scenario.staffing_options) | set(discover_staffing_files(scenario))
    if clean in taken:
        collector.add("name", f"已有名为“{clean}”的人员配置方案。", f"A staffing option named '{clean}' exists.",
                      clean, "请换一个名称。", "Choose another name.")
    for department, count in staff.items():
        if department not in scenario.departments or not isinstance(count, int) or not 0 <= count <= 1000:
            collector.add(f"departments.{department}", "人数应为 0 到 1000 的整数。", "Staff must be 0 to 1000.", count)
    for group, count in teams.items():
        if group not in scenario.teams or not isinstance(count, int) or not 1 <= count <= 200:
            collector.add(f"groups.{group}", "小组数应为 1 到 200 的整数。", "Teams must be 1 to 200.", count)
    collector.raise_if_any()

    changed_staff = {name: count for name, count in staff.items() if count != scenario.file_departments[name].staff}
    changed_teams = {name: count for name, count in teams.items() if count != scenario.file_teams[name]}
    if not changed_staff and not changed_teams:
        collector.add("", "人数和小组数与情景文件完全相同，没有需要保存的修改。",
                      "Staff and teams equal the scenario file's, so there is nothing to save.", clean,
                      "请先修改表格中的数值。", "Change some values in the tables first.")
        collector.raise_if_any()

    data: dict = {"schema": STAFFING_SCHEMA, "name": clean}
    if description.strip():
        data["description"] = description.strip()
    data["scenario"] = Path(scenario.path).name
    data["departments"] = {name: {"staff": count} for name, count in changed_staff.items()}
    data["groups"] = {name: {"teams": count} for name, count in changed_teams.items()}

    target_folder = (folder or staffing_folder(scenario)).resolve()
    target_folder.mkdir(parents=True, exist_ok=True)
    path = (target_folder / f"{clean}.yaml").resolve()
    if path.parent != target_folder:
        collector.add("name", "方案名称会把文件写到配置文件夹之外。", "The option name would write outside the staffing folder.",
                      name, "请只用文字、数字和连字符。", "Use only letters, digits and hyphens.")
        collector.raise_if_any()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
