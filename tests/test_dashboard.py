"""Tests of the Streamlit dashboard, run in-process with ``streamlit.testing.v1.AppTest``.

Each test drives the real ``dashboard/app.py`` with its pages and the real
``sim`` library. Studies are small (1–3 replications) but still run the
model and write the results folder, which takes a few seconds each, so the
AppTest timeout is raised well above its 3 s default.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

import sim.staffing
from dashboard import exports, state
from sim.compare import compare_scenarios, marginal_staffing
from sim.errors import ScenarioError
from sim.experiment import run_experiment
from sim.loader import load_scenario
from sim.staffing import load_scenario_with_staffing

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 300
PAGES = {
    "views/organisation.py": ("组织与职责", "Organisation and duties"),
    "views/scenario.py": ("情景与注入", "Scenario and injects"),
    "views/staffing.py": ("人员配置", "Staffing"),
    "views/run.py": ("运行与结果", "Run and results"),
    "views/compare.py": ("方案对比", "Compare staffing options"),
}
DEFAULT_YAML = ROOT / "scenarios" / "default.yaml"
BROKEN_UPLOAD = (
    "schema: hqsim-scenario/1\n"
    "name: 损坏的情景\n"
    "organisation: organisation/shenzhen-2017.yaml\n"
    "horizon: 10:30\n"
).encode("utf-8")


def new_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    return app


def open_page(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    return app


def submit_run(app: AppTest, replications: int, seed: int, upload: tuple[str, bytes] | None = None,
               staffing: str | None = None) -> AppTest:
    """Fill the run form on the run page and submit it."""

    open_page(app, "views/run.py")
    replications_input, seed_input = app.number_input[0], app.number_input[1]
    replications_input.set_value(replications)
    seed_input.set_value(seed)
    if staffing is not None:
        app.selectbox[0].set_value(staffing)
    if upload is not None:
        app.file_uploader[0].set_value((upload[0], upload[1], "application/x-yaml"))
    app.button[0].click().run()
    return app


def metric_values(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def texts(elements) -> str:
    return "\n".join(element.value for element in elements)


def expected_percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def expected_number(value: float) -> str:
    return f"{value:.1f}"


@pytest.fixture
def staffing_dir(tmp_path, monkeypatch) -> Path:
    """Point the library's staffing option folder at a temporary folder, so tests never write into scenarios/."""

    folder = tmp_path / "staffing"
    monkeypatch.setattr(sim.staffing, "staffing_folder", lambda scenario: folder)
    return folder


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_in_chinese(page):
    """Every page renders without an exception and shows its Chinese title by default."""

    app = open_page(new_app(), page)

    assert not app.exception, app.exception
    assert app.title[0].value == PAGES[page][0]
    assert not app.error, texts(app.error)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_in_english(page):
    """After the sidebar switch to English every page renders without an exception and shows its English title."""

    app = new_app()
    app.sidebar.radio[0].set_value("en").run()
    open_page(app, page)

    assert not app.exception, app.exception
    assert app.title[0].value == PAGES[page][1]


def test_default_page_shows_default_scenario():
    """The app opens on the organisation page of the default scenario, with its 12 groups."""

    app = new_app()

    assert app.title[0].value == "组织与职责"
    assert app.sidebar.selectbox[0].value == "builtin:default.yaml"
    scenario = load_scenario(DEFAULT_YAML)
    table = app.table[0].value
    assert len(table) == len(scenario.organisation.groups) == 12
    assert list(table["工作组"]) == scenario.organisation.group_names


def test_run_headline_matches_library():
    """A 3-replication run shows the headline numbers that run_experiment computes for the same seed."""

    app = submit_run(new_app(), replications=3, seed=11)

    assert not app.exception, app.exception
    expected = run_experiment(load_scenario(DEFAULT_YAML), 3, 11).headline().set_index("measure")
    shown = metric_values(app)
    assert shown["达标任务占比"] == expected_percent(expected.loc["targets_met_share", "mean"])
    assert shown["平均响应延迟（分钟）"] == expected_number(expected.loc["mean_response_delay", "mean"])
    assert shown["平均等待时间（分钟）"] == expected_number(expected.loc["mean_wait", "mean"])
    assert shown["每次重复生成任务数"] == expected_number(expected.loc["tasks_created", "mean"])
    assert shown["每次重复未完成任务数"] == expected_number(expected.loc["tasks_unfinished", "mean"])
    share = expected.loc["targets_met_share"]
    ci_text = f"95% 置信区间 {expected_percent(share['low'])} – {expected_percent(share['high'])}"
    assert ci_text in texts(app.caption)


def test_run_shows_figures_and_downloads():
    """A run shows the five standard figures and offers CSV, Excel, PNG, manifest and ZIP downloads."""

    app = submit_run(new_app(), replications=2, seed=12)

    assert not app.exception, app.exception
    assert len(app.get("image")) == 5
    labels = [button.label for button in app.get("download_button")]
    assert any("task_log.csv" in label for label in labels)
    assert any(label.endswith(".xlsx") for label in labels)
    assert any("gantt.png" in label for label in labels)
    assert any("manifest.json" in label for label in labels)
    assert any("ZIP" in label for label in labels)


def test_results_survive_page_switch():
    """Results stay in the session when the user visits another page and comes back."""

    app = submit_run(new_app(), replications=2, seed=13)
    before = metric_values(app)

    open_page(app, "views/organisation.py")
    open_page(app, "views/run.py")

    assert not app.exception, app.exception
    assert metric_values(app) == before
    assert "尚未运行" not in texts(app.info)


def test_identical_inputs_reuse_cache():
    """Submitting the same inputs again shows the cached result instead of running again."""

    app = submit_run(new_app(), replications=2, seed=14)
    first = metric_values(app)
    assert "相同输入的结果已在缓存中" not in texts(app.info)

    submit_run(app, replications=2, seed=14)

    assert "相同输入的结果已在缓存中" in texts(app.info)
    assert metric_values(app) == first


def test_run_manifest_records_inputs():
    """The stored results folder has a manifest with the seed, replications, staffing and equivalent command."""

    app = submit_run(new_app(), replications=2, seed=15)

    bundle = app.session_state["run_bundle"]
    manifest = json.loads(bundle.files["manifest.json"])
    assert manifest["seed"] == 15
    assert manifest["replications"] == 2
    assert manifest["staffing"] == "基准"
    assert manifest["command"] == ["hqsim", "run", "scenarios/default.yaml", "--staffing", "基准",
                                   "--replications", "2", "--seed", "15"]
    assert bundle.files["task_log.csv"].startswith(b"\xef\xbb\xbf")


def test_invalid_upload_shows_chinese_issues(tmp_path):
    """A broken uploaded scenario shows every issue in Chinese beside the uploader and runs nothing."""

    upload_path = tmp_path / "scenario.yaml"
    upload_path.write_bytes(BROKEN_UPLOAD)
    (tmp_path / "organisation").symlink_to(ROOT / "scenarios" / "organisation")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(upload_path, display_name="broken.yaml",
                      organisation_dirs=[ROOT / "scenarios" / "organisation"])

    app = submit_run(new_app(), replications=1, seed=16, upload=("broken.yaml", BROKEN_UPLOAD))

    assert not app.exception, app.exception
    shown = texts(app.error)
    assert "上传的情景文件有问题" in shown
    for issue in raised.value.issues:
        assert issue.format("zh") in shown
    assert "run_bundle" not in app.session_state


def test_upload_outside_organisation_folder_rejected():
    """An upload whose organisation reference leaves scenarios/organisation is rejected with a Chinese message."""

    data = DEFAULT_YAML.read_bytes().replace(b"organisation: organisation/shenzhen-2017.yaml",
                                             b"organisation: ../../../etc/passwd")

    app = submit_run(new_app(), replications=1, seed=17, upload=("escape.yaml", data))

    assert not app.exception, app.exception
    assert "组织架构文件必须位于项目的 scenarios/organisation 目录中" in texts(app.error)


def test_upload_over_size_limit_rejected():
    """An upload larger than the 1 MB limit is rejected before it is parsed."""

    data = b"# " + b"x" * (state.MAX_UPLOAD_BYTES) + b"\n"

    app = submit_run(new_app(), replications=1, seed=18, upload=("huge.yaml", data))

    assert not app.exception, app.exception
    assert "超过 1 MB 的上限" in texts(app.error)


def test_valid_upload_becomes_active_scenario():
    """A valid upload is run, and the other pages and the sidebar then use the uploaded scenario."""

    data = DEFAULT_YAML.read_bytes().replace("name: 坪山区".encode(), "name: 上传演练坪山区".encode(), 1)

    app = submit_run(new_app(), replications=1, seed=19, upload=("my drill.yaml", data))

    assert not app.exception, app.exception
    assert "已加载上传的情景" in texts(app.success)
    assert "上传演练坪山区" in texts(app.markdown)
    bundle = app.session_state["run_bundle"]
    assert bundle.result.scenario.path == "my drill.yaml"

    open_page(app, "views/scenario.py")
    assert "上传演练坪山区" in texts(app.markdown)
    assert app.sidebar.selectbox[0].value == state.UPLOAD_SOURCE_KEY


def test_sessions_do_not_share_runs():
    """One user's uploaded scenario and results never appear in another user's session."""

    data = DEFAULT_YAML.read_bytes().replace("name: 坪山区".encode(), "name: 甲用户演练坪山区".encode(), 1)
    first = submit_run(new_app(), replications=1, seed=23, upload=("private.yaml", data))
    assert "run_bundle" in first.session_state

    second = open_page(new_app(), "views/run.py")
    assert not second.exception, second.exception
    assert "run_bundle" not in second.session_state
    assert "甲用户演练坪山区" not in texts(second.markdown)
    assert second.sidebar.selectbox[0].value != state.UPLOAD_SOURCE_KEY


def edit_staffing_tables(app: AppTest, staff: dict[int, int], teams: dict[int, int]) -> None:
    """Seed the edit state of the staffing page's two editors (row number → new count), as a user's edits."""

    digest = hashlib.sha256(DEFAULT_YAML.read_bytes()).hexdigest()[:16]
    editor_key = f"{digest}-option:基准-zh"
    app.session_state[f"departments-{editor_key}"] = {
        "edited_rows": {row: {"现场人数": value} for row, value in staff.items()}, "added_rows": [], "deleted_rows": []}
    app.session_state[f"groups-{editor_key}"] = {
        "edited_rows": {row: {"小组数": value} for row, value in teams.items()}, "added_rows": [], "deleted_rows": []}


def test_staffing_page_saves_option_file(staffing_dir):
    """Saving edited counts writes a hqsim-staffing/1 file with the counts that differ from the scenario file."""

    scenario = load_scenario(DEFAULT_YAML)
    departments = scenario.organisation.department_names
    groups = scenario.organisation.group_names
    app = open_page(new_app(), "views/staffing.py")
    edit_staffing_tables(app, {departments.index("市安全监管局"): 5}, {groups.index("综合协调组"): 3})
    app.text_input[0].set_value("测试方案")
    app.text_input[1].set_value("用于测试")
    app.button[0].click().run()

    assert not app.exception, app.exception
    path = staffing_dir / "测试方案.yaml"
    assert path.is_file(), texts(app.error)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["schema"] == "hqsim-staffing/1"
    assert document["scenario"] == "default.yaml"
    assert document["description"] == "用于测试"
    assert document["departments"] == {"市安全监管局": {"staff": 5}}
    assert document["groups"] == {"综合协调组": {"teams": 3}}
    assert "与起始方案相比改动 2 处。" in texts(app.caption)

    open_page(app, "views/run.py")
    assert any(option.startswith("测试方案 — ") for option in app.selectbox[0].options)


def test_saved_option_runs_like_cli(staffing_dir):
    """A run with a saved option file gives the results of the library loading that file by name, as the CLI does."""

    scenario = load_scenario(DEFAULT_YAML)
    app = open_page(new_app(), "views/staffing.py")
    edit_staffing_tables(app, {scenario.organisation.department_names.index("市安全监管局"): 6}, {})
    app.text_input[0].set_value("文件方案")
    app.button[0].click().run()
    assert (staffing_dir / "文件方案.yaml").is_file(), texts(app.error)

    app = submit_run(app, replications=1, seed=22, staffing="file:文件方案")

    assert not app.exception, app.exception
    bundle = app.session_state["run_bundle"]
    assert bundle.result.scenario.staffing_name == "文件方案"
    assert bundle.result.scenario.departments["市安全监管局"].staff == 6
    assert list(bundle.command) == ["hqsim", "run", "scenarios/default.yaml", "--staffing", "文件方案",
                                    "--replications", "1", "--seed", "22"]
    expected = run_experiment(load_scenario_with_staffing(DEFAULT_YAML, "文件方案"), 1, 22).headline()
    shown = metric_values(app)
    assert shown["达标任务占比"] == expected_percent(expected.set_index("measure").loc["targets_met_share", "mean"])


def test_staffing_page_rejects_bad_name(staffing_dir):
    """A name with a path separator is rejected with the library's Chinese message and nothing is written."""

    app = open_page(new_app(), "views/staffing.py")
    app.text_input[0].set_value("../逃逸")
    app.button[0].click().run()

    assert not app.exception, app.exception
    assert "方案名称无效" in texts(app.error)
    assert not staffing_dir.exists() or not any(staffing_dir.iterdir())


def test_staffing_page_rejects_taken_name(staffing_dir):
    """Saving under the name of an existing option file or scenario option is rejected."""

    scenario = load_scenario(DEFAULT_YAML)
    app = open_page(new_app(), "views/staffing.py")
    edit_staffing_tables(app, {scenario.organisation.department_names.index("市安全监管局"): 7}, {})
    app.text_input[0].set_value("重复方案")
    app.button[0].click().run()
    assert "已保存" in texts(app.success)

    app.button[0].click().run()
    assert "已有名为“重复方案”的人员配置方案" in texts(app.error)

    app.text_input[0].set_value("基准")
    app.button[0].click().run()
    assert "情景中已有同名方案" in texts(app.error)


def test_staffing_page_rejects_unstaffed_department(staffing_dir):
    """Setting a needed department to 0 staff shows the library's Chinese explanation and saves nothing."""

    scenario = load_scenario(DEFAULT_YAML)
    app = open_page(new_app(), "views/staffing.py")
    edit_staffing_tables(app, {scenario.organisation.department_names.index("市安全监管局"): 0}, {})
    app.text_input[0].set_value("无人方案")
    app.button[0].click().run()

    assert not app.exception, app.exception
    assert "该配置无法运行" in texts(app.error)
    assert "现场人数为 0" in texts(app.error)
    assert not (staffing_dir / "无人方案.yaml").exists()


def test_session_option_runs(staffing_dir):
    """An option kept for the session appears on the run page and a run uses it."""

    app = open_page(new_app(), "views/staffing.py")
    app.text_input[0].set_value("会话方案")
    app.button[1].click().run()
    assert "会话方案" in texts(app.success)

    app = submit_run(app, replications=1, seed=20, staffing="custom:会话方案")

    assert not app.exception, app.exception
    assert app.session_state["run_bundle"].result.scenario.staffing_name == "会话方案"
    assert app.session_state["run_bundle"].command is None
    assert "人员配置：会话方案" in texts(app.markdown)


def test_compare_page_matches_library():
    """A two-option comparison shows the baseline share met that compare_scenarios computes."""

    app = open_page(new_app(), "views/compare.py")
    app.multiselect[0].set_value(["option:基准", "option:加强安监"])
    app.number_input[0].set_value(2)
    app.number_input[1].set_value(21)
    app.button[0].click().run()

    assert not app.exception, app.exception
    variants = [(name, load_scenario(DEFAULT_YAML, staffing=name)) for name in ("基准", "加强安监")]
    table = compare_scenarios(variants, 2, 21).table()
    baseline = table[(table["measure"] == "targets_met_share") & (table["option"] == "基准")].iloc[0]
    shown = app.dataframe[0].value
    row = shown[(shown["方案"] == "基准") & (shown["指标"] == baseline["label"])].iloc[0]
    assert row["均值"] == expected_percent(baseline["mean"])
    assert len(app.get("image")) == 1
    assert "comparison.csv" in app.session_state["comparison_bundle"].files


def test_compare_page_needs_two_options():
    """Comparing a single option shows a Chinese message and runs nothing."""

    app = open_page(new_app(), "views/compare.py")
    app.multiselect[0].set_value(["option:基准"])
    app.button[0].click().run()

    assert "请至少选择两个方案" in texts(app.error)
    assert "comparison_bundle" not in app.session_state


# ---------------------------------------------------------------- helpers without a running app


def test_workbook_has_one_sheet_per_csv():
    """The Excel download contains one sheet per CSV table, with the CSV's rows and Chinese intact."""

    frame = pd.DataFrame({"resource": ["市安全监管局", "市公安局"], "value": [1.5, 2.0]})
    files = {"resources.csv": frame.to_csv(index=False).encode("utf-8-sig"),
             "custom table.csv": frame.to_csv(index=False).encode("utf-8-sig"),
             "manifest.json": b"{}"}

    workbook = openpyxl.load_workbook(io.BytesIO(exports.workbook_from_csv(files)))

    assert workbook.sheetnames == ["资源 resources", "custom table"]
    sheet = workbook["资源 resources"]
    assert sheet["A2"].value == "市安全监管局"
    assert sheet.max_row == 3


def test_zip_holds_every_file():
    """The ZIP download contains every file of the results folder under the folder name."""

    archive = zipfile.ZipFile(io.BytesIO(exports.zip_bytes({"a.csv": b"1", "figures/b.png": b"2"}, "run")))

    assert sorted(archive.namelist()) == ["run/a.csv", "run/figures/b.png"]


def test_compare_page_ranks_marginal_staffing():
    """With the marginal option the comparison page also ranks one-more-person changes, as marginal_staffing does."""

    app = open_page(new_app(), "views/compare.py")
    app.multiselect[0].set_value(["option:基准", "option:加强区政府"])
    app.number_input[0].set_value(2)
    app.number_input[1].set_value(23)
    app.checkbox[0].check()
    app.button[0].click().run()

    assert not app.exception, app.exception
    bundle = app.session_state["comparison_bundle"]
    expected = marginal_staffing(load_scenario(DEFAULT_YAML), 2, 23)
    assert list(bundle.marginal["change"]) == list(expected["change"])
    shown = app.dataframe[1].value
    assert list(shown["改动"]) == list(expected["change"])
    assert len(app.get("image")) == 2
    assert "marginal.csv" in bundle.files


def test_staffing_page_rejects_no_change(staffing_dir):
    """Saving without changing any count shows why nothing was saved, and writes no file."""

    app = open_page(new_app(), "views/staffing.py")
    app.text_input[0].set_value("未修改方案")
    app.button[0].click().run()
    assert "没有需要保存的修改" in texts(app.error)
    assert not any(staffing_dir.glob("*.yaml"))


def test_few_replications_warned():
    """A run of fewer than 10 replications shows a warning that its intervals are unreliable."""

    app = submit_run(open_page(new_app(), "views/run.py"), replications=2, seed=4)
    assert not app.exception, app.exception
    assert "只有 2 次重复" in texts(app.warning)
