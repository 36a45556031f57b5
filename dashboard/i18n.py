"""Screen texts in Chinese and English, and the sidebar language switch.

Chinese is the default. ``t(key)`` returns the text of ``key`` in the
language chosen in the sidebar; placeholders in braces are filled from
keyword arguments with ``str.format``.
"""

from __future__ import annotations

import streamlit as st

LANGUAGE_KEY = "lang"
LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

TEXTS: dict[str, tuple[str, str]] = {
    # app frame
    "app.title": ("现场指挥部桌面推演模拟器", "On-site command HQ tabletop-exercise simulator"),
    "app.language": ("语言 Language", "语言 Language"),
    "page.organisation": ("组织与职责", "Organisation and duties"),
    "page.scenario": ("情景与注入", "Scenario and injects"),
    "page.staffing": ("人员配置", "Staffing"),
    "page.run": ("运行与结果", "Run and results"),
    "page.compare": ("方案对比", "Compare staffing options"),
    "sidebar.scenario": ("情景文件", "Scenario file"),
    "sidebar.uploaded": ("已上传：{name}", "Uploaded: {name}"),
    "sidebar.upload_hint": ("可在“运行与结果”页上传自己的情景文件。",
                            "Upload your own scenario file on the “Run and results” page."),
    "sidebar.horizon": ("模拟时长 {horizon}（时:分），{injects} 条情景注入", "Horizon {horizon} (h:min), {injects} injects"),
    "scenario.load_failed": ("情景文件无法加载，请修改后重试：", "The scenario file could not be loaded. Fix it and retry:"),

    # organisation page
    "org.intro": ("现场指挥部的工作组、各组的牵头部门和配合部门，来自组织架构文件：{name}（{source}）。",
                  "Working groups of the HQ with their lead and cooperating departments, from the organisation "
                  "file: {name} ({source})."),
    "org.table": ("职责分工表", "Responsibility table"),
    "org.matrix": ("部门 × 工作组 分工矩阵", "Department × group matrix"),
    "org.matrix_help": ("“牵头”为深色粗体，“配合”为浅灰。部门名后括号内是该部门牵头和配合的工作组数，"
                        "部门按牵头数、配合数从多到少排序。",
                        "“Lead” is dark and bold, “Coop.” light grey. The numbers in brackets after a department are "
                        "the groups it leads and cooperates in; departments are sorted by them, largest first."),
    "org.matrix_table": ("分工矩阵表格（可排序）", "Matrix as a sortable table"),
    "org.duties": ("各组职责全文", "Full duties of each group"),
    "org.group_heading": ("{number}. {name}", "{number}. {name}"),
    "org.lead_line": ("牵头部门：{lead}", "Lead department: {lead}"),
    "org.coop_line": ("配合部门：{cooperating}", "Cooperating departments: {cooperating}"),
    "col.number": ("序号", "No."),
    "col.group": ("工作组", "Group"),
    "col.lead": ("牵头部门", "Lead department"),
    "col.cooperating": ("配合部门", "Cooperating departments"),
    "col.duties": ("职责数", "Duties"),
    "col.department": ("部门", "Department"),
    "col.lead_count": ("牵头组数", "Groups led"),
    "col.coop_count": ("配合组数", "Groups cooperating"),
    "role.lead": ("牵头", "Lead"),
    "role.coop": ("配合", "Coop."),

    # scenario page
    "scen.horizon": ("模拟时长（时:分）", "Horizon (h:min)"),
    "scen.injects": ("情景注入", "Injects"),
    "scen.task_types": ("任务类型", "Task types"),
    "scen.targets_count": ("时限目标", "Time targets"),
    "scen.timeline": ("情景注入时间线", "Inject timeline"),
    "scen.timeline_help": ("每个点表示一条注入在该时刻触达的工作组；顶部标注注入编号。注入先经“{relay}”转发。",
                           "Each dot is a group reached by an inject at that time; inject ids are on top. "
                           "Every inject is first relayed by “{relay}”."),
    "scen.inject_table": ("情景注入清单", "Inject list"),
    "scen.targets": ("时限目标及依据", "Time targets and their sources"),
    "scen.streams": ("背景任务流", "Background task streams"),
    "scen.description": ("情景描述", "Scenario description"),
    "col.time": ("时间", "Time"),
    "col.inject": ("编号", "Id"),
    "col.description": ("描述", "Description"),
    "col.tasks": ("生成任务", "Tasks created"),
    "col.groups_reached": ("涉及工作组", "Groups reached"),
    "col.target_id": ("目标编号", "Target id"),
    "col.target": ("目标", "Target"),
    "col.minutes": ("时限（分钟）", "Limit (min)"),
    "col.from": ("起算", "Measured from"),
    "col.to": ("计量点", "Measured at"),
    "col.source": ("依据", "Source"),
    "col.task_types": ("适用任务类型", "Task types"),
    "col.stream": ("任务流", "Stream"),
    "col.task_type": ("任务类型", "Task type"),
    "col.rates": ("每小时到达率（起始时间: 次/小时）", "Arrivals per hour (from: rate)"),
    "from.accident": ("事故发生", "accident"),
    "from.inject": ("注入时刻", "inject"),
    "from.created": ("任务生成", "task created"),
    "to.start": ("任务开始", "task start"),
    "to.end": ("任务完成", "task end"),

    # staffing page
    "staff.intro": ("从一个已有方案出发，修改各部门现场人数和各工作组小组数，另存为新的人员配置方案文件。",
                    "Start from an existing option, edit the on-site staff per department and the teams per "
                    "group, and save the result as a new staffing option file."),
    "staff.base": ("起始方案", "Start from option"),
    "staff.departments": ("各部门现场人数", "On-site staff per department"),
    "staff.groups": ("各工作组小组数", "Teams per group"),
    "staff.name": ("新方案名称", "New option name"),
    "staff.name_help": ("不超过 40 个字符，不能以“.”开头，不能含 \\ / : * ? \" < > |。"
                        "文件保存为情景文件旁 staffing/<名称>.yaml，只写入与情景文件不同的人数和小组数。",
                        "At most 40 characters, not starting with '.', without \\ / : * ? \" < > |. The file is saved as "
                        "staffing/<name>.yaml beside the scenario file and lists only counts that differ from it."),
    "staff.description": ("方案说明", "Description"),
    "staff.save": ("保存方案文件", "Save option file"),
    "staff.use": ("用于本次会话的运行", "Use for runs in this session"),
    "staff.saved": ("已保存：{path}", "Saved: {path}"),
    "staff.in_session": ("已设为本次会话可用的方案“{name}”，可在“运行与结果”页选择。",
                         "Option “{name}” is now available on the “Run and results” page for this session."),
    "staff.changes": ("与起始方案相比改动 {count} 处。", "{count} change(s) compared with the start option."),
    "staff.saved_files": ("已保存的方案文件（{folder}）", "Saved option files ({folder})"),
    "staff.no_saved": ("尚无与本情景对应的方案文件。", "No saved option file refers to this scenario yet."),
    "staff.error.name": ("方案名称“{name}”无效：{reason}", "Invalid option name “{name}”: {reason}"),
    "staff.reason.empty": ("名称不能为空。", "the name is empty."),
    "staff.reason.taken": ("情景中已有同名方案，请换一个名称。", "the scenario already has an option of that name, so choose another."),
    "staff.error.value": ("第 {row} 行“{name}”的数值 {value} 无效，应为 {low}–{high} 的整数。",
                          "Row {row} “{name}”: value {value} is invalid; expected a whole number from {low} to {high}."),
    "staff.error.invalid": ("该配置无法运行：", "This staffing cannot be run:"),
    "staff.error.save": ("方案文件未保存：", "The option file was not saved:"),
    "staff.upload_no_save": ("上传的情景没有自己的文件夹，方案只能用于本次会话。",
                             "An uploaded scenario has no folder of its own, so its options can only be used in this session."),
    "staff.error.write": ("写入文件失败：{error}", "Writing the file failed: {error}"),
    "col.staff": ("现场人数", "On-site staff"),
    "col.teams": ("小组数", "Teams"),
    "col.name_en": ("英文名称", "English name"),
    "col.file": ("文件", "File"),
    "col.option": ("方案", "Option"),

    # run page
    "run.replications": ("重复次数", "Replications"),
    "run.replications_help": ("独立重复实验的次数（1–{max}）。次数越多，置信区间越窄，用时越长。",
                              "Number of independent replications (1–{max}). More give narrower confidence "
                              "intervals and take longer."),
    "run.seed": ("随机种子", "Random seed"),
    "run.seed_help": ("根随机种子；相同的种子和输入得到相同的结果。", "Root random seed; the same seed and inputs give the same results."),
    "run.staffing": ("人员配置方案", "Staffing option"),
    "run.upload": ("上传情景文件（可选，YAML，不超过 {mb} MB）", "Upload a scenario file (optional, YAML, at most {mb} MB)"),
    "run.upload_help": ("文件中 organisation: 字段须引用内置组织架构文件，例如 organisation/shenzhen-2017.yaml。",
                        "The file's organisation: field must name a built-in organisation file such as "
                        "organisation/shenzhen-2017.yaml."),
    "run.submit": ("开始运行", "Run"),
    "run.progress": ("正在运行重复实验 {done}/{total}", "Running replications {done}/{total}"),
    "run.rendering": ("正在生成结果表格和图表……", "Writing result tables and figures…"),
    "run.few_replications": ("只有 {replications} 次重复，置信区间很宽或无法计算；建议至少 30 次。",
                             "Only {replications} replications, so the intervals are wide or unknown; use at least 30."),
    "run.will_run": ("本次将运行：{scenario}；上传的文件通过校验后，改为运行上传的情景。",
                     "This runs: {scenario}; a valid upload runs the uploaded scenario instead."),
    "run.upload_too_large": ("上传的文件 {name} 有 {size:.1f} MB，超过 {mb} MB 的上限。请删减后重新上传。",
                             "The uploaded file {name} is {size:.1f} MB, above the {mb} MB limit. Shorten it and upload again."),
    "run.upload_invalid": ("上传的情景文件有问题，未运行。请修改以下各处后重新上传：",
                           "The uploaded scenario file has problems, so nothing was run. Fix these and upload again:"),
    "run.upload_ok": ("已加载上传的情景“{name}”，之后的页面都使用它。", "Loaded the uploaded scenario “{name}”; all pages now use it."),
    "run.staffing_fallback": ("上传的情景中没有方案“{name}”，改用其默认方案“{default}”。",
                              "The uploaded scenario has no option “{name}”, so its default option “{default}” is used."),
    "run.staffing_invalid": ("人员配置方案无法使用：", "The staffing option cannot be used:"),
    "run.none": ("尚未运行。设置参数后点击“开始运行”。", "Nothing has been run yet. Set the parameters and click “Run”."),
    "run.cached": ("相同输入的结果已在缓存中，直接显示。", "A cached result for the same inputs is shown."),
    "run.summary": ("情景：{scenario}　人员配置：{staffing}　重复次数：{replications}　随机种子：{seed}",
                    "Scenario: {scenario}  Staffing: {staffing}  Replications: {replications}  Seed: {seed}"),
    "run.command": ("等效命令行", "Equivalent command line"),
    "run.headline": ("结果摘要（均值及 95% 置信区间）", "Summary (mean and 95% confidence interval)"),
    "run.metric.share": ("达标任务占比", "Tasks meeting their target"),
    "run.metric.delay": ("平均响应延迟（分钟）", "Mean response delay (min)"),
    "run.metric.wait": ("平均等待时间（分钟）", "Mean waiting time (min)"),
    "run.metric.created": ("每次重复生成任务数", "Tasks per replication"),
    "run.metric.unfinished": ("每次重复未完成任务数", "Unfinished tasks per replication"),
    "run.ci": ("95% 置信区间 {low} – {high}", "95% CI {low} – {high}"),
    "run.milestones": ("里程碑用时与时限目标", "Milestone times against targets"),
    "run.gantt": ("任务甘特图", "Gantt chart of tasks"),
    "run.waiting": ("各部门造成的等待", "Waiting caused by department"),
    "run.utilisation": ("利用率", "Utilisation"),
    "run.bottlenecks": ("瓶颈部门排名", "Bottleneck departments"),
    "run.bottleneck_groups": ("瓶颈工作组排名", "Bottleneck groups"),
    "run.no_bottleneck": ("没有任务因部门而等待。", "No task waited for a department."),
    "run.downloads": ("下载", "Downloads"),
    "col.met_share": ("达标率", "Share met"),
    "col.met_ci": ("达标率 95% 置信区间", "Share met, 95% CI"),
    "col.measured": ("实测均值（分钟）", "Measured mean (min)"),
    "col.measured_ci": ("实测 95% 置信区间（分钟）", "Measured, 95% CI (min)"),
    "col.tasks_per_rep": ("每次重复任务数", "Tasks per replication"),
    "col.rank": ("排名", "Rank"),
    "col.resource": ("资源", "Resource"),
    "col.wait_caused": ("造成等待（分钟/次重复）", "Waiting caused (min per replication)"),
    "col.wait_ci": ("造成等待 95% 置信区间", "Waiting caused, 95% CI"),
    "col.utilisation": ("利用率", "Utilisation"),
    "col.capacity": ("容量", "Capacity"),
    "col.wait_p90": ("请求等待 P90（分钟）", "Request wait P90 (min)"),

    # downloads
    "dl.csv": ("CSV 表格", "CSV tables"),
    "dl.xlsx": ("Excel 工作簿（全部表格）", "Excel workbook (all tables)"),
    "dl.figures": ("图表（PNG）", "Figures (PNG)"),
    "dl.manifest": ("运行清单（JSON）", "Run manifest (JSON)"),
    "dl.zip": ("全部结果文件（ZIP）", "All result files (ZIP)"),
    "dl.other": ("其他", "Other"),
    "file.task_log": ("任务日志", "Task log"),
    "file.replications": ("各次重复指标", "Measures per replication"),
    "file.headline": ("结果摘要", "Summary"),
    "file.targets": ("时限目标", "Targets"),
    "file.resources": ("资源", "Resources"),
    "file.bottlenecks": ("瓶颈部门", "Bottlenecks"),
    "file.queues": ("队列时间序列", "Queues over time"),
    "file.comparison": ("方案对比", "Comparison"),
    "file.marginal": ("边际增员", "Marginal staffing"),
    "fig.gantt": ("甘特图", "Gantt chart"),
    "fig.waiting_by_department": ("部门等待", "Waiting by department"),
    "fig.utilisation_by_department": ("部门利用率", "Utilisation by department"),
    "fig.utilisation_over_time": ("利用率随时间", "Utilisation over time"),
    "fig.targets": ("时限目标", "Targets"),
    "fig.comparison": ("方案差值图", "Differences chart"),
    "fig.marginal": ("边际增员图", "Marginal staffing chart"),

    # compare page
    "cmp.missing": ("方案对比功能需要模拟库中的 sim.compare 模块，当前版本尚未提供，因此本页暂不可用。"
                    "其他页面不受影响；需要对比时，可在“运行与结果”页分别运行各方案（使用相同的随机种子）。",
                    "Comparing staffing options needs the sim.compare module of the simulation library, which this "
                    "version does not have yet, so this page is unavailable. The other pages work; to compare by "
                    "hand, run each option on the “Run and results” page with the same seed."),
    "cmp.intro": ("用相同的随机数流运行多个人员配置方案，并与基准方案比较。",
                  "Run several staffing options on the same random streams and compare them with the baseline."),
    "cmp.options": ("参与对比的方案（第一个为基准，至少两个）", "Options to compare (the first is the baseline; at least two)"),
    "cmp.marginal": ("同时计算边际增员效果（每个部门或工作组 +1）", "Also rank marginal staffing (+1 per department or group)"),
    "cmp.submit": ("开始对比", "Compare"),
    "cmp.need_two": ("请至少选择两个方案。", "Choose at least two options."),
    "cmp.table": ("对比结果（均值、95% 置信区间及与基准的差值）", "Results (mean, 95% CI and difference from the baseline)"),
    "cmp.marginal_table": ("边际增员排名", "Marginal staffing ranking"),
    "cmp.too_many": ("本次对比共需 {total} 次重复，超过 {limit} 次的上限。请减少方案数或重复次数，或不计算边际增员。",
                     "This comparison needs {total} replications, above the limit of {limit}. Choose fewer options "
                     "or replications, or leave out the marginal ranking."),
    "cmp.marginal_cost": ("边际增员逐一比较 {changes} 项变化（每个工作组 +1 个小组、每个有任务需要的部门 +1 人），"
                          "另需运行 {factor} 倍的重复次数。",
                          "The marginal ranking compares {changes} changes (+1 team per group, +1 staff per "
                          "department that a task needs), which runs {factor} times the replications again."),
    "cmp.none": ("尚未对比。", "Nothing has been compared yet."),
    "cmp.failed": ("对比失败：{error}", "Comparison failed: {error}"),
    "col.ci": ("95% 置信区间", "95% CI"),
    "col.measure": ("指标", "Measure"),
    "col.mean": ("均值", "Mean"),
    "col.diff_mean": ("与基准差值", "Difference"),
    "col.diff_low": ("差值下限", "Difference low"),
    "col.diff_high": ("差值上限", "Difference high"),
    "col.significant": ("显著", "Significant"),
    "col.change": ("改动", "Change"),
    "col.targets_delta": ("达标率变化", "Change in share met"),
    "col.delay_delta": ("响应延迟变化（分钟）", "Change in response delay (min)"),
}


def lang() -> str:
    """Return the language chosen in the sidebar: 'zh' (default) or 'en'."""

    value = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    """Return the screen text ``key`` in the chosen language, with ``values`` filled in.

    Raises KeyError for an unknown key, so a missing translation fails in tests.
    """

    zh, en = TEXTS[key]
    text = en if lang() == "en" else zh
    return text.format(**values) if values else text


def pick(zh: str, en: str | None) -> str:
    """Return ``en`` in English mode when it is not empty, otherwise the Chinese ``zh``."""

    return en if lang() == "en" and en else zh


def language_switch() -> None:
    """Draw the language switch at the top of the sidebar (Chinese by default)."""

    st.session_state.setdefault(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    st.sidebar.radio(
        TEXTS["app.language"][0],
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        horizontal=True,
        key=LANGUAGE_KEY,
    )
