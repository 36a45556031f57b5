"""Check the Shenzhen organisation files against the published responsibility table.

tests/data/responsibility_table.txt is the text of the table
现场指挥部各工作组职责分工一览表 from 《深圳市工矿商贸企业生产安全事故应急预案》
（深府办函〔2017〕206号）. This module parses it on its own, without the
simulator's loader, and compares it with scenarios/organisation/shenzhen-2017.yaml.
The 2019 planning variant must differ from the 2017 file only in the renamed
departments.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE_PATH = ROOT / "tests" / "data" / "responsibility_table.txt"
ORGANISATION_DIR = ROOT / "scenarios" / "organisation"
YAML_2017_PATH = ORGANISATION_DIR / "shenzhen-2017.yaml"
YAML_2019_PATH = ORGANISATION_DIR / "shenzhen-2019-reform.yaml"

SOURCE = "《深圳市工矿商贸企业生产安全事故应急预案》（深府办函〔2017〕206号）"
HEADER_CELLS = ["序号", "名称", "主要职责", "牵头部门", "配合部门"]
GROUP_NUMBERS = list(range(1, 13))

# Old name -> name after the 2018-2019 institutional reform.
RENAMES_2019 = {
    "市安全监管局": "市应急管理局",
    "市公安消防支队": "市消防救援支队",
}

# A numbered duty line such as "3．负责……；" (full-width full stop U+FF0E).
DUTY_LINE = re.compile(r"^(\d+)．(.+)$")
# Trailing wording of a cooperating cell, e.g. "事发企业等相关单位".
COOPERATING_NOTE = re.compile(r"^(.+?)(等[^、]*单位)$")


def split_rows(lines):
    """Group the table's lines into rows of cells.

    A line starting with a tab opens a new cell. A non-blank line without a
    tab continues the cell above it, because the table breaks long names such
    as 市委宣传部 / （市政府新闻办） over two lines. Blank lines end a row.
    Lines before the first cell (the table title) are skipped.
    """
    rows = []
    cells = []
    for line in lines:
        if line.startswith("\t"):
            cells.append([line[1:]])
        elif not line.strip():
            if cells:
                rows.append(cells)
            cells = []
        elif cells:
            cells[-1].append(line)
    if cells:
        rows.append(cells)
    return rows


def parse_duties(cell_lines):
    """Return the duties of one cell as (number, text) pairs.

    An un-numbered cell is a single duty with number 1.
    """
    first = DUTY_LINE.match(cell_lines[0])
    if first is None:
        assert len(cell_lines) == 1, f"un-numbered duty cell spans lines: {cell_lines}"
        return [(1, cell_lines[0])]

    duties = []
    for line in cell_lines:
        match = DUTY_LINE.match(line)
        assert match is not None, f"duty line without number: {line!r}"
        duties.append((int(match.group(1)), match.group(2)))
    return duties


def parse_cooperating(cell_text):
    """Split a cooperating cell into department names and the trailing note."""
    names = cell_text.split("、")
    note = None
    match = COOPERATING_NOTE.match(names[-1])
    if match is not None:
        names[-1] = match.group(1)
        note = match.group(2)
    return names, note


def parse_table(path):
    """Parse the responsibility table into one dict per working group."""
    lines = path.read_text(encoding="utf-8").splitlines()
    groups = []
    for cells in split_rows(lines):
        joined = ["".join(cell) for cell in cells]
        if joined == HEADER_CELLS:
            continue
        assert len(cells) == 5, f"expected 5 cells, got {len(cells)}: {joined}"

        cooperating, note = parse_cooperating(joined[4])
        groups.append(
            {
                "number": int(joined[0]),
                "name": joined[1],
                "duties": parse_duties(cells[2]),
                "lead": joined[3],
                "cooperating": cooperating,
                "cooperating_note": note,
            }
        )
    return groups


def department_references(groups):
    """Return every department name in lead and cooperating cells, in table order."""
    references = []
    for group in groups:
        references.append(group["lead"])
        references.extend(group["cooperating"])
    return references


def count_roles(groups, department):
    """Return how many groups the department leads and how many it cooperates in."""
    leads = sum(1 for group in groups if group["lead"] == department)
    cooperates = sum(1 for group in groups if department in group["cooperating"])
    return leads, cooperates


def rename(name):
    """Map a 2017 department name to its 2019 name, unchanged if not renamed."""
    return RENAMES_2019.get(name, name)


@pytest.fixture(scope="module")
def table_groups():
    groups = parse_table(TABLE_PATH)
    return {group["number"]: group for group in groups}


@pytest.fixture(scope="module")
def organisation_2017():
    with YAML_2017_PATH.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


@pytest.fixture(scope="module")
def organisation_2019():
    with YAML_2019_PATH.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


@pytest.fixture(scope="module")
def yaml_groups_2017(organisation_2017):
    return {group["number"]: group for group in organisation_2017["groups"]}


@pytest.fixture(scope="module")
def yaml_groups_2019(organisation_2019):
    return {group["number"]: group for group in organisation_2019["groups"]}


# The table parser itself.


def test_table_parser_finds_twelve_groups():
    """The parser reads groups 1 to 12 in order and skips the repeated header."""
    numbers = [group["number"] for group in parse_table(TABLE_PATH)]

    assert numbers == GROUP_NUMBERS


def test_table_parser_joins_broken_names(table_groups):
    """Names broken over two lines in the table are joined without a line break."""
    assert table_groups[6]["lead"] == "市委宣传部（市政府新闻办）"
    assert table_groups[8]["lead"] == "事发区政府（新区管委会）"
    assert table_groups[12]["lead"] == "事发区政府（新区管委会）"


def test_table_parser_unnumbered_duties(table_groups):
    """Groups 2, 8, 10 and 11 have one un-numbered duty, read as duty 1."""
    for number in (2, 8, 10, 11):
        duties = table_groups[number]["duties"]
        assert len(duties) == 1, f"group {number}"
        assert duties[0][0] == 1, f"group {number}"


def test_table_parser_splits_cooperating_note(table_groups):
    """A trailing "等…单位" is split from the last cooperating department."""
    assert table_groups[2]["cooperating"][-1] == "事发企业"
    assert table_groups[2]["cooperating_note"] == "等相关单位"
    assert table_groups[7]["cooperating"][-1] == "驻深部队"
    assert table_groups[7]["cooperating_note"] == "等军地联动单位"


# The 2017 organisation file against the table, group by group.


def test_header_fields(organisation_2017):
    """The 2017 file has the organisation schema, the source plan and a name."""
    assert organisation_2017["schema"] == "hqsim-organisation/1"
    assert organisation_2017["source"] == SOURCE
    assert organisation_2017["name"]


def test_group_numbers_match_table(organisation_2017, table_groups):
    """The file lists the table's groups once each, in table order."""
    numbers = [group["number"] for group in organisation_2017["groups"]]

    assert numbers == sorted(table_groups)


def test_group_names_unique(organisation_2017):
    """No group name appears twice."""
    counts = Counter(group["name"] for group in organisation_2017["groups"])
    duplicates = [name for name, count in counts.items() if count > 1]

    assert duplicates == []


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_group_name(number, yaml_groups_2017, table_groups):
    """The group's name equals the table's name cell."""
    assert yaml_groups_2017[number]["name"] == table_groups[number]["name"]


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_group_has_english_name(number, yaml_groups_2017):
    """The group has a non-empty English name."""
    assert yaml_groups_2017[number]["name_en"].strip()


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_group_duties(number, yaml_groups_2017, table_groups):
    """Each duty's number and full text equal the table's numbered duty."""
    expected = table_groups[number]["duties"]
    actual = [(duty["number"], duty["text"]) for duty in yaml_groups_2017[number]["duties"]]

    assert len(actual) == len(expected)
    for (expected_number, expected_text), (actual_number, actual_text) in zip(expected, actual):
        assert actual_number == expected_number
        assert actual_text == expected_text, f"duty {expected_number}"


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_group_lead(number, yaml_groups_2017, table_groups):
    """The lead department equals the table's 牵头部门 cell."""
    assert yaml_groups_2017[number]["lead"] == table_groups[number]["lead"]


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_group_cooperating(number, yaml_groups_2017, table_groups):
    """The cooperating departments equal the table's 配合部门 cell, in table order."""
    assert yaml_groups_2017[number]["cooperating"] == table_groups[number]["cooperating"]


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_group_cooperating_note(number, yaml_groups_2017, table_groups):
    """cooperating_note is the table's trailing "等…单位" wording, absent when the cell has none."""
    assert yaml_groups_2017[number].get("cooperating_note") == table_groups[number]["cooperating_note"]


# The department list of the 2017 file.


def test_departments_unique(organisation_2017):
    """No department is listed twice."""
    counts = Counter(department["name"] for department in organisation_2017["departments"])
    duplicates = [name for name, count in counts.items() if count > 1]

    assert duplicates == []


def test_referenced_departments_listed(organisation_2017):
    """Every lead and cooperating department of a group is in departments."""
    listed = {department["name"] for department in organisation_2017["departments"]}
    missing = [
        name
        for name in department_references(organisation_2017["groups"])
        if name not in listed
    ]

    assert missing == []


def test_listed_departments_referenced(organisation_2017):
    """Every department in departments leads or cooperates in at least one group."""
    referenced = set(department_references(organisation_2017["groups"]))
    unused = [
        department["name"]
        for department in organisation_2017["departments"]
        if department["name"] not in referenced
    ]

    assert unused == []


def test_departments_in_first_appearance_order(organisation_2017, table_groups):
    """departments follows the table's order of first appearance, lead before cooperating."""
    table_order = list(dict.fromkeys(department_references(table_groups.values())))
    listed = [department["name"] for department in organisation_2017["departments"]]

    assert listed == table_order


def test_department_names_single_line(organisation_2017):
    """No department name contains whitespace or a line break."""
    broken = [
        department["name"]
        for department in organisation_2017["departments"]
        if re.search(r"\s", department["name"])
    ]

    assert broken == []


def test_departments_have_english_names(organisation_2017):
    """Every department has a non-empty English name."""
    missing = [
        department["name"]
        for department in organisation_2017["departments"]
        if not str(department.get("name_en", "")).strip()
    ]

    assert missing == []


@pytest.mark.parametrize(
    ("department", "leads", "cooperates"),
    [
        ("市安全监管局", 3, 2),
        ("事发区政府（新区管委会）", 2, 5),
    ],
    ids=["work-safety-bureau", "district-government"],
)
def test_department_role_counts(department, leads, cooperates, organisation_2017, table_groups):
    """The department leads and cooperates in as many groups as the table lists."""
    yaml_counts = count_roles(organisation_2017["groups"], department)
    table_counts = count_roles(table_groups.values(), department)

    assert table_counts == (leads, cooperates)
    assert yaml_counts == (leads, cooperates)


# The 2019 planning variant against the 2017 file.


def test_variant_header(organisation_2019, organisation_2017):
    """The variant points at the 2017 file and keeps its schema and source."""
    assert organisation_2019["variant_of"] == YAML_2017_PATH.name
    assert organisation_2019["schema"] == organisation_2017["schema"]
    assert organisation_2019["source"] == organisation_2017["source"]


def test_variant_top_level_keys(organisation_2019, organisation_2017):
    """The variant adds only variant_of and note to the 2017 top-level keys."""
    assert set(organisation_2019) == set(organisation_2017) | {"variant_of", "note"}


@pytest.mark.parametrize(
    ("old", "new"),
    list(RENAMES_2019.items()),
    ids=["work-safety-bureau", "fire-brigade"],
)
def test_variant_note_names_rename(old, new, organisation_2019):
    """The variant's note names both the old and the new department name."""
    note = organisation_2019["note"]

    assert old in note
    assert new in note


def test_variant_note_marks_variant(organisation_2019):
    """The variant's note states that it is a variant and not the published table."""
    note = organisation_2019["note"]

    assert "variant" in note
    assert "not the published table" in note


def test_variant_departments_renamed(organisation_2019, organisation_2017):
    """The variant's departments are the 2017 departments with only the renames applied."""
    expected = [rename(department["name"]) for department in organisation_2017["departments"]]
    actual = [department["name"] for department in organisation_2019["departments"]]

    assert actual == expected


def test_variant_english_names(organisation_2019, organisation_2017):
    """Only renamed departments have a new English name, and it differs from the old one."""
    old_english = {
        rename(department["name"]): department["name_en"]
        for department in organisation_2017["departments"]
    }
    renamed = set(RENAMES_2019.values())
    for department in organisation_2019["departments"]:
        name = department["name"]
        if name in renamed:
            assert department["name_en"] != old_english[name], name
        else:
            assert department["name_en"] == old_english[name], name


def test_variant_drops_old_names(organisation_2019):
    """No department or group of the variant still uses a pre-reform name."""
    names = [department["name"] for department in organisation_2019["departments"]]
    names.extend(department_references(organisation_2019["groups"]))
    leftovers = sorted(set(names) & set(RENAMES_2019))

    assert leftovers == []


def test_variant_group_numbers(organisation_2019, organisation_2017):
    """The variant has the same groups in the same order as the 2017 file."""
    numbers_2019 = [group["number"] for group in organisation_2019["groups"]]
    numbers_2017 = [group["number"] for group in organisation_2017["groups"]]

    assert numbers_2019 == numbers_2017


@pytest.mark.parametrize("number", GROUP_NUMBERS)
def test_variant_group_matches_2017(number, yaml_groups_2019, yaml_groups_2017):
    """The variant's group equals the 2017 group with only the renames applied."""
    old = yaml_groups_2017[number]
    expected = dict(old)
    expected["lead"] = rename(old["lead"])
    expected["cooperating"] = [rename(name) for name in old["cooperating"]]

    assert yaml_groups_2019[number] == expected
