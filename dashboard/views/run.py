"""Page 运行与结果: run a study from a form and show its results, which stay for the session."""

import logging
import shlex

import streamlit as st

from dashboard import exports, runs, state
from dashboard.i18n import pick, t
from dashboard.presentation import bottleneck_table, milestone_table, number, percent
from sim.console import FEW_REPLICATIONS
from sim.errors import ScenarioError

log = logging.getLogger("dashboard.run")

RESULT_KEY = "run_bundle"
# Largest seed the number field takes: browsers hold whole numbers exactly only up to 2**53 - 1.
MAX_SEED = 2**53 - 1

HEADLINE = (
    ("targets_met_share", "run.metric.share", percent),
    ("mean_response_delay", "run.metric.delay", number),
    ("mean_wait", "run.metric.wait", number),
    ("tasks_created", "run.metric.created", number),
    ("tasks_unfinished", "run.metric.unfinished", number),
)


def load_upload(upload, message) -> tuple[state.ScenarioSource, object] | None:
    """Validate an uploaded file and make it the active scenario, or show in ``message`` why it is invalid."""

    data = upload.getvalue()
    if len(data) > state.MAX_UPLOAD_BYTES:
        log.info("rejected upload %r: %d bytes exceed the limit of %d", upload.name, len(data), state.MAX_UPLOAD_BYTES)
        message.error(t("run.upload_too_large", name=upload.name, size=len(data) / 1024 / 1024,
                        mb=state.MAX_UPLOAD_MB))
        return None
    candidate = state.uploaded_source(upload.name, data)
    try:
        scenario = state.load(candidate)
    except ScenarioError as error:
        log.info("rejected upload %r: %d problem(s)", upload.name, len(error.issues))
        with message:
            state.show_scenario_error(error, t("run.upload_invalid"))
        return None
    state.activate_upload(candidate)
    message.success(t("run.upload_ok", name=pick(scenario.name, scenario.name_en)))
    return candidate, scenario


def run_from_form(source, scenario, choice, replications, seed) -> None:
    """Apply the staffing ``choice`` to ``source``, run the study and store the result in the session."""

    choices = state.staffing_choices(source, scenario)
    if choice not in choices:
        if choice is not None:
            st.info(t("run.staffing_fallback", name=choice.partition(":")[2], default=scenario.default_staffing))
        choice = f"option:{scenario.default_staffing}"
    try:
        staffed = state.scenario_for_choice(source, choice)
    except ScenarioError as error:
        state.show_scenario_error(error, t("run.staffing_invalid"))
        return

    # `hqsim run --staffing NAME` finds options in the scenario and, for built-in files, in its staffing folder.
    kind, _, name = choice.partition(":")
    reproducible = kind == "option" or (kind == "file" and source.data is None)
    command = runs.cli_command(source.label, name, replications, seed) if reproducible else None
    bundle, cached = runs.run_study(staffed, replications, seed, command, t("run.progress"), t("run.rendering"))
    st.session_state[RESULT_KEY] = bundle
    if cached:
        st.info(t("run.cached"))


def show_headline(bundle: runs.RunBundle) -> None:
    """Draw the key measures as metrics, each with its 95% confidence interval below."""

    st.subheader(t("run.headline"))
    headline = bundle.tables["headline"].set_index("measure")
    for column, (measure, label_key, formatter) in zip(st.columns(len(HEADLINE)), HEADLINE):
        row = headline.loc[measure]
        column.metric(t(label_key), formatter(row["mean"]), border=True)
        column.caption(t("run.ci", low=formatter(row["low"]), high=formatter(row["high"])))


def show_results(bundle: runs.RunBundle) -> None:
    """Draw the summary, milestone table, figures, bottleneck ranking and downloads of ``bundle``."""

    result = bundle.result
    scenario = result.scenario
    organisation = scenario.organisation
    files = bundle.files
    st.divider()
    st.markdown(t("run.summary", scenario=pick(scenario.name, scenario.name_en), staffing=scenario.staffing_name,
                  replications=result.replications, seed=result.seed))
    if bundle.command:
        with st.expander(t("run.command")):
            st.code(shlex.join(bundle.command), language="bash")

    if result.replications < FEW_REPLICATIONS:
        st.warning(t("run.few_replications", replications=result.replications))
    show_headline(bundle)

    st.subheader(t("run.milestones"))
    st.dataframe(milestone_table(bundle.tables["targets"]), hide_index=True)
    st.image(files["figures/targets.png"], width="stretch")

    st.subheader(t("run.gantt"))
    st.image(files["figures/gantt.png"], width="stretch")

    st.subheader(t("run.waiting"))
    st.image(files["figures/waiting_by_department.png"], width="stretch")

    st.subheader(t("run.utilisation"))
    st.image(files["figures/utilisation_over_time.png"], width="stretch")
    st.image(files["figures/utilisation_by_department.png"], width="stretch")

    st.subheader(t("run.bottlenecks"))
    bottlenecks = bundle.tables["bottlenecks"]
    if len(bottlenecks):
        st.dataframe(bottleneck_table(bottlenecks, organisation), hide_index=True)
    else:
        st.caption(t("run.no_bottleneck"))
    groups = bundle.tables["bottleneck_groups"]
    if len(groups):
        st.subheader(t("run.bottleneck_groups"))
        st.dataframe(bottleneck_table(groups, organisation), hide_index=True)

    exports.download_section(bundle.files, bundle.folder_name, key="run")


st.title(t("page.run"))
source, scenario, load_error = state.load_active()
if load_error is not None:
    state.show_scenario_error(load_error)
choices = state.staffing_choices(source, scenario) if scenario is not None else {}

with st.form("run_form"):
    replications_column, seed_column = st.columns(2)
    replications = replications_column.number_input(
        t("run.replications"), min_value=1, max_value=runs.MAX_DASHBOARD_REPLICATIONS,
        value=runs.DEFAULT_REPLICATIONS, step=1, help=t("run.replications_help", max=runs.MAX_DASHBOARD_REPLICATIONS))
    seed = seed_column.number_input(t("run.seed"), min_value=0, max_value=MAX_SEED, value=runs.DEFAULT_SEED,
                                    step=1, help=t("run.seed_help"))
    choice = st.selectbox(t("run.staffing"), list(choices), format_func=choices.get)
    upload = st.file_uploader(t("run.upload", mb=state.MAX_UPLOAD_MB), type=["yaml", "yml"],
                              help=t("run.upload_help"), max_upload_size=state.TRANSFER_LIMIT_MB)
    upload_message = st.container()
    st.caption(t("run.will_run", scenario=pick(scenario.name, scenario.name_en)))
    submitted = st.form_submit_button(t("run.submit"), type="primary")

if submitted:
    run_source, run_scenario = source, scenario
    if upload is not None:
        loaded = load_upload(upload, upload_message)
        run_source, run_scenario = loaded if loaded is not None else (None, None)
    if run_scenario is not None:
        run_from_form(run_source, run_scenario, choice, int(replications), int(seed))

bundle = st.session_state.get(RESULT_KEY)
if bundle is None:
    st.info(t("run.none"))
else:
    show_results(bundle)
