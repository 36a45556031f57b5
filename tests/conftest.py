"""Shared fixtures: paths of the shipped scenarios and the tests' helper modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def default_scenario_path() -> Path:
    return ROOT / "scenarios" / "default.yaml"
