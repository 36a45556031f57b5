"""Small organisation and scenario files written to disk for tests.

Tests build real YAML files with these helpers and load them with the real
loader, so every test exercises the same path a user's file takes.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ONE_GROUP_ORGANISATION = {
    "schema": "hqsim-organisation/1",
    "name": "测试组织",
    "departments": [{"name": "牵头局", "name_en": "Lead bureau"}, {"name": "配合局", "name_en": "Partner bureau"}],
    "groups": [{
        "number": 1, "name": "测试组", "name_en": "Test group",
        "duties": [{"number": 1, "text": "处置测试任务。"}],
        "lead": "牵头局", "cooperating": ["配合局"],
    }],
}


def mmc_scenario(teams: int, arrivals_per_minute: float, mean_service: float, horizon: float,
                 staff: int = 1000) -> dict:
    """Return a scenario in which one group is an M/M/c queue fed by a Poisson stream."""

    return {
        "schema": "hqsim-scenario/1",
        "name": "M/M/c 验证",
        "organisation": "organisation.yaml",
        "horizon": horizon,
        "hq_activation": {"dist": "fixed", "value": 0},
        "departments": {"default": {"staff": staff, "mobilisation": {"dist": "fixed", "value": 0}}},
        "groups": {"default": {"teams": teams}},
        "task_types": [{"id": "任务", "group": "测试组", "duty": 1,
                        "duration": {"dist": "exponential", "mean": mean_service}}],
        "streams": [{"id": "到达", "task": "任务", "rates": [{"from": 0, "per_hour": arrivals_per_minute * 60}]}],
    }


def write_files(folder: Path, scenario: dict, organisation: dict | None = None, name: str = "scenario.yaml") -> Path:
    """Write ``scenario`` and its organisation into ``folder``; return the scenario's path."""

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "organisation.yaml").write_text(
        yaml.safe_dump(organisation or ONE_GROUP_ORGANISATION, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path = folder / name
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
