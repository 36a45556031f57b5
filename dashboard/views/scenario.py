"""Page 情景与注入: the scenario description, the inject timeline and list, targets and streams."""

import streamlit as st

from dashboard import presentation, state
from dashboard.i18n import pick, t
from sim.scenario import Scenario
from sim.timefmt import format_time


@st.cache_data(max_entries=16, show_spinner=False)
def timeline_png(scenario: Scenario) -> bytes:
    """Return the inject timeline of ``scenario`` as PNG bytes (drawing it takes about a second)."""

    return presentation.figure_png(presentation.inject_timeline_figure(scenario))


st.title(t("page.scenario"))
loaded = state.require_scenario()
if loaded is not None:
    source, scenario = loaded
    st.markdown(f"**{pick(scenario.name, scenario.name_en)}**　`{source.label}`")

    horizon, injects, task_types, targets = st.columns(4)
    horizon.metric(t("scen.horizon"), format_time(scenario.horizon))
    injects.metric(t("scen.injects"), len(scenario.injects))
    task_types.metric(t("scen.task_types"), len(scenario.task_types))
    targets.metric(t("scen.targets_count"), len(scenario.targets))

    with st.expander(t("scen.description")):
        st.markdown(scenario.description)

    st.subheader(t("scen.timeline"))
    relay = presentation.relay_group(scenario)
    if relay:
        st.caption(t("scen.timeline_help", relay=relay))
    png = timeline_png(scenario)
    st.image(png, width="stretch")
    st.download_button("PNG", png, file_name="inject_timeline.png", mime="image/png", on_click="ignore")

    st.subheader(t("scen.inject_table"))
    st.dataframe(presentation.inject_table(scenario), hide_index=True,
                 column_config={t("col.description"): st.column_config.TextColumn(width="large")})

    st.subheader(t("scen.targets"))
    st.dataframe(presentation.targets_table(scenario), hide_index=True,
                 column_config={t("col.source"): st.column_config.TextColumn(width="large")})

    if scenario.streams:
        st.subheader(t("scen.streams"))
        st.dataframe(presentation.streams_table(scenario), hide_index=True)
