"""Checks that docs/scenario-format.md stays in step with the loader.

The doc has a Chinese part and an English part, split at the heading
``## English``, and field and family names must appear in both. Its YAML
examples are fenced ```yaml blocks. A block whose info string is
``yaml fragment`` is a deliberately incomplete or wrong snippet and is not
parsed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from sim.distributions import FAMILIES
from sim.loader import _ORGANISATION_KEYS, _SCENARIO_KEYS, load_organisation, load_scenario
from sim.staffing import apply_staffing, discover_staffing_files

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenario-format.md"
ENGLISH_HEADING = "\n## English\n"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def _language_parts() -> dict[str, str]:
    """Return the Chinese and the English part of the doc."""

    text = _doc_text()
    assert text.count(ENGLISH_HEADING) == 1, "the doc needs exactly one '## English' heading"
    chinese, english = text.split(ENGLISH_HEADING)
    return {"Chinese": chinese, "English": english}


def _yaml_blocks() -> list[tuple[int, str, str]]:
    """Return (line, info string, body) of every fenced block whose info string starts with 'yaml'."""

    text = _doc_text()
    blocks = []
    for match in FENCE.finditer(text):
        info = match.group(1).strip()
        if info.split()[:1] == ["yaml"]:
            line = text.count("\n", 0, match.start()) + 1
            blocks.append((line, info, match.group(2)))
    return blocks


def _complete_yaml_blocks() -> list[tuple[int, str]]:
    return [(line, body) for line, info, body in _yaml_blocks() if info == "yaml"]


def _example_with_schema(schema: str) -> str:
    """Return the one complete YAML example whose schema is ``schema``."""

    found = [body for _, body in _complete_yaml_blocks() if (yaml.safe_load(body) or {}).get("schema") == schema]
    assert len(found) == 1, f"expected one YAML example with schema {schema}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("part", ["Chinese", "English"])
def test_scenario_fields_documented(part):
    """Every top-level scenario field the loader accepts (_SCENARIO_KEYS) appears as `field` in each language part."""

    text = _language_parts()[part]
    missing = sorted(key for key in _SCENARIO_KEYS if f"`{key}`" not in text)
    assert not missing, f"scenario fields missing from the {part} part: {missing}"


@pytest.mark.parametrize("part", ["Chinese", "English"])
def test_organisation_fields_documented(part):
    """Every top-level organisation field the loader accepts (_ORGANISATION_KEYS) appears as `field` in each part."""

    text = _language_parts()[part]
    missing = sorted(key for key in _ORGANISATION_KEYS if f"`{key}`" not in text)
    assert not missing, f"organisation fields missing from the {part} part: {missing}"


@pytest.mark.parametrize("part", ["Chinese", "English"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_distribution_family_documented(part, family):
    """Each distribution family (FAMILIES) has a table row in each part that names all its parameters."""

    rows = [line for line in _language_parts()[part].splitlines() if line.startswith(f"| `{family}` |")]
    assert len(rows) == 1, f"the {part} part needs one table row for `{family}`, found {len(rows)}"
    for parameter in FAMILIES[family]:
        assert f"`{parameter}`" in rows[0], f"the `{family}` row of the {part} part does not name `{parameter}`"


def test_doc_has_yaml_examples():
    """The doc contains complete YAML examples, so the parsing test below is not vacuous."""

    assert len(_complete_yaml_blocks()) >= 3


@pytest.mark.parametrize("line, body", [pytest.param(line, body, id=f"line{line}")
                                        for line, body in _complete_yaml_blocks()])
def test_yaml_example_parses(line, body):
    """Every ```yaml block not marked as a fragment parses with yaml.safe_load into a mapping."""

    data = yaml.safe_load(body)
    assert isinstance(data, dict), f"the YAML example at line {line} is not a mapping"


def test_examples_pass_project_loader(tmp_path):
    """The organisation, scenario and staffing file examples load without errors through the project's loader.

    The scenario example refers to the shipped organisation file, which is
    copied beside it. The staffing file example is placed in the scenario's
    staffing/ folder under the scenario file name it names, and must then be
    found by its name and applied.
    """

    organisation_path = tmp_path / "example-organisation.yaml"
    organisation_path.write_text(_example_with_schema("hqsim-organisation/1"), encoding="utf-8")
    organisation = load_organisation(organisation_path)
    assert organisation.groups

    staffing_text = _example_with_schema("hqsim-staffing/1")
    staffing_data = yaml.safe_load(staffing_text)
    (tmp_path / "organisation").mkdir()
    shutil.copy(ROOT / "scenarios" / "organisation" / "shenzhen-2017.yaml", tmp_path / "organisation")
    scenario_path = tmp_path / staffing_data["scenario"]
    scenario_path.write_text(_example_with_schema("hqsim-scenario/1"), encoding="utf-8")

    scenario = load_scenario(scenario_path)
    for name in scenario.staffing_options:
        assert scenario.with_staffing(name).staffing_name == name

    (tmp_path / "staffing").mkdir()
    (tmp_path / "staffing" / "example.yaml").write_text(staffing_text, encoding="utf-8")
    assert staffing_data["name"] in discover_staffing_files(scenario)
    applied = apply_staffing(scenario, staffing_data["name"])
    assert applied.staffing_name == staffing_data["name"]
