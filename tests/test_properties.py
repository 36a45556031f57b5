"""Property tests: random valid scenarios run cleanly, and random damage to real files never crashes the loader.

The valid scenarios are built on a small random organisation (1-4 groups,
1-5 departments) with every distribution family, acyclic follow-ups, injects
and streams within a horizon of at most 1,500 minutes, so each example runs in
well under a second. The damaged files are mutations of
``scenarios/default.yaml`` (and of its organisation file) at the text level
and at the data level.

The number of examples comes from the Hypothesis profile named by the
environment variable HYPOTHESIS_PROFILE: "ci" (the default, 300 examples per
test) or "dev" (50).
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.metrics import acquisition_frame, task_log
from sim.model import run_replication

settings.register_profile("ci", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"
DEFAULT_ORGANISATION = ROOT / "scenarios" / "organisation" / "shenzhen-2017.yaml"
SCENARIO_TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")
ORGANISATION_TEXT = DEFAULT_ORGANISATION.read_text(encoding="utf-8")
SCENARIO_DATA = yaml.safe_load(SCENARIO_TEXT)

DEPARTMENT_NAMES = ["市安全监管局", "市公安局", "市卫生计生委", "市气象局", "事发企业"]
GROUP_NAMES = ["综合协调组", "抢险救灾组", "医疗卫生保障组", "舆情新闻信息组"]
TOLERANCE = 1e-9


# ---------------------------------------------------------------- random valid scenarios


def minutes(low: float, high: float) -> st.SearchStrategy:
    """Minutes as a whole number or a float, both forms a user may write."""

    return st.one_of(st.integers(int(math.ceil(low)), int(high)),
                     st.floats(low, high, allow_nan=False, allow_infinity=False))


@st.composite
def distributions(draw, high: float = 60.0):
    """A valid duration distribution of any family, or a bare number (a fixed duration)."""

    family = draw(st.sampled_from(["fixed", "exponential", "triangular", "uniform", "lognormal", "number"]))
    if family == "number":
        return draw(minutes(0, high))
    if family == "fixed":
        return {"dist": "fixed", "value": draw(minutes(0, high))}
    if family == "exponential":
        return {"dist": "exponential", "mean": draw(minutes(0, high))}
    if family == "triangular":
        low, mode, top = sorted(draw(st.lists(minutes(0, high), min_size=3, max_size=3)))
        return {"dist": "triangular", "min": low, "mode": mode, "max": top}
    if family == "uniform":
        low, top = sorted(draw(st.lists(minutes(0, high), min_size=2, max_size=2)))
        return {"dist": "uniform", "min": low, "max": top}
    return {"dist": "lognormal", "median": draw(st.floats(0.1, high)), "sigma": draw(st.floats(0, 1.5))}


def as_time(value: int, written_as_text: bool):
    """Write whole minutes either as a number or as a quoted "HH:MM"."""

    return f"{value // 60:02d}:{value % 60:02d}" if written_as_text else value


@st.composite
def organisations(draw) -> dict:
    department_count = draw(st.integers(1, 5))
    departments = DEPARTMENT_NAMES[:department_count]
    group_count = draw(st.integers(1, 4))
    numbers = draw(st.lists(st.integers(1, 30), min_size=group_count, max_size=group_count, unique=True))
    groups = []
    for position in range(group_count):
        lead = draw(st.sampled_from(departments))
        cooperating = draw(st.lists(st.sampled_from(departments), unique=True, max_size=department_count))
        duty_count = draw(st.integers(1, 3))
        groups.append({
            "number": numbers[position],
            "name": GROUP_NAMES[position],
            "duties": [{"number": number, "text": f"职责{number}"} for number in range(1, duty_count + 1)],
            "lead": lead,
            "cooperating": [name for name in cooperating if name != lead],
        })
    return {
        "schema": "hqsim-organisation/1",
        "name": "随机组织",
        "departments": [{"name": name} for name in departments],
        "groups": groups,
    }


@st.composite
def follow_up_lists(draw, later: list[str]) -> list:
    """Follow-ups that name only later task types, so the follow-up graph has no cycle."""

    if not later:
        return []
    entries = []
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            entry = {"task": draw(st.sampled_from(later))}
            if draw(st.booleans()):
                entry["probability"] = draw(st.integers(0, 1000)) / 1000
            entries.append(entry)
            continue
        remaining = 1000
        options = []
        for task in draw(st.lists(st.sampled_from(later), min_size=1, max_size=3)):
            share = draw(st.integers(0, remaining))
            remaining -= share
            options.append({"task": task, "probability": share / 1000})
        entries.append({"one_of": options})
    return entries


@st.composite
def scenarios(draw):
    """Return (organisation, scenario, staffing option name or None), all valid."""

    organisation = draw(organisations())
    departments = [department["name"] for department in organisation["departments"]]
    groups = organisation["groups"]
    allow_unstaffed = draw(st.booleans())
    lowest_staff = 0 if allow_unstaffed else 1
    horizon = draw(st.integers(30, 1500))

    department_section = {"default": {"staff": draw(st.integers(max(lowest_staff, 1), 4)),
                                      "mobilisation": draw(distributions(90))}}
    for name in draw(st.lists(st.sampled_from(departments), unique=True)):
        entry = {"staff": draw(st.integers(lowest_staff, 5))}
        if draw(st.booleans()):
            entry["mobilisation"] = draw(distributions(120))
        department_section[name] = entry
    group_section = {"default": {"teams": draw(st.integers(1, 3))}}
    for group in draw(st.lists(st.sampled_from(groups), unique_by=lambda group: group["name"])):
        group_section[group["name"]] = {"teams": draw(st.integers(1, 4))}

    target_ids = [f"目标{number}" for number in range(draw(st.integers(0, 3)))]
    targets = [{"id": target_id, "name": target_id, "minutes": draw(minutes(1, 600)),
                "from": draw(st.sampled_from(["accident", "inject", "created"])),
                "to": draw(st.sampled_from(["start", "end"]))} for target_id in target_ids]

    task_ids = [f"任务{number}" for number in range(draw(st.integers(1, 6)))]
    task_types = []
    for position, task_id in enumerate(task_ids):
        group = draw(st.sampled_from(groups))
        task_type = {
            "id": task_id,
            "group": group["name"],
            "duty": draw(st.integers(1, len(group["duties"]))),
            "duration": draw(distributions()),
            "requires": draw(st.lists(st.sampled_from(departments), unique=True, max_size=2)),
            "follow_ups": draw(follow_up_lists(task_ids[position + 1:])),
        }
        if draw(st.booleans()):
            task_type["priority"] = draw(st.integers(1, 9))
        if target_ids and draw(st.booleans()):
            task_type["target"] = draw(st.sampled_from(target_ids))
        task_types.append(task_type)

    injects = []
    for number in range(draw(st.integers(0, 8))):
        injects.append({
            "id": f"I{number:02d}",
            "time": as_time(draw(st.integers(0, horizon)), draw(st.booleans())),
            "description": f"注入{number}",
            "tasks": draw(st.lists(st.sampled_from(task_ids), min_size=1, max_size=3)),
        })

    streams = []
    for number in range(draw(st.integers(0, 2))):
        starts = sorted(draw(st.lists(st.integers(0, horizon), min_size=1, max_size=3, unique=True)))
        streams.append({
            "id": f"流{number}",
            "task": draw(st.sampled_from(task_ids)),
            "relayed": draw(st.booleans()),
            "rates": [{"from": as_time(start, draw(st.booleans())), "per_hour": draw(st.floats(0, 4))}
                      for start in starts],
        })

    options = {}
    for number in range(draw(st.integers(0, 2))):
        option = {"description": f"方案{number}"}
        staffed = draw(st.lists(st.sampled_from(departments), unique=True, max_size=2))
        if staffed:
            option["departments"] = {name: {"staff": draw(st.integers(lowest_staff, 6))} for name in staffed}
        teamed = draw(st.lists(st.sampled_from([group["name"] for group in groups]), unique=True, max_size=2))
        if teamed:
            option["groups"] = {name: {"teams": draw(st.integers(1, 4))} for name in teamed}
        options[f"方案{number}"] = option

    scenario = {
        "schema": "hqsim-scenario/1",
        "name": "随机情景",
        "organisation": "organisation.yaml",
        "horizon": as_time(horizon, draw(st.booleans())),
        "hq_activation": draw(distributions(60)),
        "allow_unstaffed": allow_unstaffed,
        "departments": department_section,
        "groups": group_section,
        "targets": targets,
        "task_types": task_types,
        "injects": injects,
        "streams": streams,
    }
    if draw(st.booleans()):
        scenario["relay_task"] = draw(st.sampled_from(task_ids))
    if options:
        scenario["staffing"] = options
    staffing = draw(st.sampled_from([None, *options]))
    return organisation, scenario, staffing


def write_yaml(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def max_concurrent(starts: np.ndarray, ends: np.ndarray) -> int:
    """Return the maximum number of intervals [start, end) open at once; an end and a start at one moment do not overlap."""

    events = sorted([(time, 1) for time in starts] + [(time, -1) for time in ends], key=lambda event: (event[0], event[1]))
    level = peak = 0
    for _, change in events:
        level += change
        peak = max(peak, level)
    return peak


@PROFILE
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_random_valid_scenario_runs(case, seed):
    """A random valid scenario loads and runs to its horizon with sound records.

    Every task has ended or is unfinished, and no wait is negative. No
    resource is used above its capacity or before it is on site. The same
    seed reproduces the same task log.
    """

    organisation, scenario_data, staffing = case
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_yaml(folder / "organisation.yaml", organisation)
        write_yaml(folder / "scenario.yaml", scenario_data)
        scenario = load_scenario(folder / "scenario.yaml", staffing=staffing)

    output = run_replication(scenario, seed, 0)
    log = task_log(output, scenario)
    note(f"{len(log)} tasks")
    horizon = scenario.horizon

    # NOTE: a replication without tasks gives object columns, so they are cast before comparing.
    unfinished = log["unfinished"].astype(bool).to_numpy()
    times = log[["inject_time", "created", "start", "end", "duration", "wait"]].astype(float)
    assert len(log) == len(output.tasks)
    assert list(unfinished) == list(times["end"].isna())

    finished = times[~unfinished]
    assert finished["start"].notna().all()
    assert (finished["end"] <= horizon + TOLERANCE).all()
    assert np.allclose(finished["end"] - finished["start"], finished["duration"])
    assert (times["created"] <= horizon + TOLERANCE).all()
    assert (times["created"] >= times["inject_time"] - TOLERANCE).all()
    assert (times["duration"] >= 0).all()

    started = times[times["start"].notna()]
    assert (started["wait"] >= -TOLERANCE).all()
    assert (started["start"] >= started["created"] - TOLERANCE).all()

    requests = acquisition_frame(output)
    assert (requests["wait"] >= -TOLERANCE).all()
    granted = requests[requests["granted"].notna()]
    for index, info in enumerate(output.resources):
        mine = granted[granted["resource_index"] == index]
        if info.capacity == 0:
            assert len(requests[requests["resource_index"] == index]) == 0, info.name
            continue
        assert (mine["granted"] >= info.available_from - TOLERANCE).all(), info.name
        peak = max_concurrent(mine["granted"].to_numpy(), mine["released_or_horizon"].to_numpy())
        assert peak <= info.capacity, (info.name, peak, info.capacity)

    again = task_log(run_replication(scenario, seed, 0), scenario)
    pd.testing.assert_frame_equal(log, again)


# ---------------------------------------------------------------- random damage to the default files

JUNK_TOKENS = ["", "-1", "-999999", "0", ".nan", ".inf", "-.inf", "1e308", "9" * 40, "yes", "no", "on", "off", "y",
               "10:30", "2024-05-01", "~", "null", "[]", "{}", "[1, [2, {a: b}]]", "{dist: gamma}", "'未闭合",
               '"未闭合', "&a", "*a", "!!python/object/apply:os.getcwd []", "<<: {x: 1}", "|", ">", "- - -", ": :",
               "综合协调组", "市安全监管局", "基准", "\t", "%YAML 1.1", "---", "...", "@", "`"]


def junk_values() -> st.SearchStrategy:
    """Random replacement text for a value: a junk token, a number or arbitrary text."""

    return st.one_of(
        st.sampled_from(JUNK_TOKENS),
        st.integers(-10**30, 10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=12),
    )


@st.composite
def text_mutations(draw, text: str, protected: tuple[str, ...] = ()) -> str:
    """Apply 1-3 random edits to ``text``: delete, duplicate or swap lines, replace a value,
    insert a tab, change indentation, or truncate the file.

    Lines containing a ``protected`` fragment keep their value, so that a
    mutation never points the organisation path at a file outside the test's folder.
    """

    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "value", "tab", "indent", "truncate"]))
        index = draw(st.integers(0, len(lines) - 1))
        if operation == "delete" and len(lines) > 1:
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == "value" and ":" in lines[index] and not any(part in lines[index] for part in protected):
            head, _, _ = lines[index].partition(":")
            lines[index] = f"{head}: {draw(junk_values())}"
        elif operation == "tab":
            lines[index] = "\t" + lines[index]
        elif operation == "indent":
            shift = draw(st.sampled_from([-2, -1, 1, 2]))
            if shift > 0:
                lines[index] = " " * shift + lines[index]
            elif lines[index].startswith(" " * -shift):
                lines[index] = lines[index][-shift:]
        elif operation == "truncate":
            joined = "\n".join(lines)
            cut = draw(st.integers(0, len(joined)))
            lines = joined[:cut].split("\n")
    return "\n".join(lines)


json_like = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(-10**400, 10**400),
        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10),
        st.sampled_from(["yes", "10:30", "2024-05-01", "default", "综合协调组", "市安全监管局", "指令接收与转发",
                         "基准", "triangular", "lognormal", "-1"]),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.one_of(st.text(max_size=6), st.sampled_from(["dist", "min", "max", "staff", "teams", "id", "task"])),
        children, max_size=3),
    max_leaves=8,
)
"""JSON-ish values, including huge integers, NaN, infinities, nesting and names that exist in the files."""


@st.composite
def data_mutations(draw) -> dict:
    """Set or delete 1-3 random fields of the default scenario's data; the organisation path is kept."""

    data = copy.deepcopy(SCENARIO_DATA)
    for _ in range(draw(st.integers(1, 3))):
        parent, key = None, None
        node = data
        while isinstance(node, (dict, list)) and node and (parent is None or draw(st.integers(0, 3)) > 0):
            keys = [name for name in node if name != "organisation"] if isinstance(node, dict) else range(len(node))
            keys = list(keys)
            if not keys:
                break
            parent, key = node, draw(st.sampled_from(keys))
            node = parent[key]
        if parent is None:
            continue
        if draw(st.integers(0, 4)) == 0 and isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = draw(json_like)
    return data


def expected_stream_arrivals(scenario) -> float:
    total = 0.0
    for stream in scenario.streams:
        ends = [segment.start for segment in stream.rates[1:]] + [scenario.horizon]
        for segment, end in zip(stream.rates, ends):
            total += segment.per_hour / 60 * max(0.0, min(end, scenario.horizon) - segment.start)
    return total


def assert_loads_or_rejects(scenario_text: str, organisation_text: str = ORGANISATION_TEXT) -> None:
    """Load the texts from a fresh folder: they must load, or raise ScenarioError whose every issue has a message.

    A damaged file that still loads is also run for one replication when it
    stays about the size of the default scenario, because the model must
    cope with every scenario the loader accepts.
    """

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "organisation").mkdir()
        (folder / "organisation" / DEFAULT_ORGANISATION.name).write_text(organisation_text, encoding="utf-8")
        (folder / "scenario.yaml").write_text(scenario_text, encoding="utf-8")
        try:
            scenario = load_scenario(folder / "scenario.yaml")
        except ScenarioError as error:
            assert error.issues
            for issue in error.issues:
                assert issue.message_zh.strip(), issue
                assert issue.message_en.strip(), issue
                assert issue.format("zh")
                assert issue.format("en")
            return

    if scenario.horizon <= 3000 and expected_stream_arrivals(scenario) <= 2000:
        output = run_replication(scenario, 1, 0)
        assert len(task_log(output, scenario)) == len(output.tasks)


@PROFILE
@given(text_mutations(SCENARIO_TEXT, protected=("organisation:",)))
def test_scenario_text_mutation_never_crashes(text):
    """A damaged copy of the default scenario's text loads or raises ScenarioError with messages, nothing else."""

    assert_loads_or_rejects(text)


@PROFILE
@given(text_mutations(ORGANISATION_TEXT))
def test_organisation_text_mutation_never_crashes(text):
    """A damaged copy of the organisation file loads or raises ScenarioError with messages, nothing else."""

    assert_loads_or_rejects(SCENARIO_TEXT, text)


@PROFILE
@given(data_mutations())
def test_scenario_data_mutation_never_crashes(data):
    """The default scenario with random fields set to random JSON-ish values loads or raises ScenarioError."""

    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, RecursionError):
        assume(False)
    assert_loads_or_rejects(text)


def test_mutation_baseline_loads():
    """The unmutated default files load, so every rejection in the mutation tests comes from the mutation."""

    assert_loads_or_rejects(SCENARIO_TEXT)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "organisation").mkdir()
        (folder / "organisation" / DEFAULT_ORGANISATION.name).write_text(ORGANISATION_TEXT, encoding="utf-8")
        (folder / "scenario.yaml").write_text(SCENARIO_TEXT, encoding="utf-8")
        assert load_scenario(folder / "scenario.yaml").name


@pytest.mark.parametrize("profile, examples", [("ci", 300), ("dev", 50)])
def test_profiles_registered(profile, examples):
    """Both Hypothesis profiles exist with their example counts and no deadline."""

    registered = settings.get_profile(profile)
    assert registered.max_examples == examples
    assert registered.deadline is None
