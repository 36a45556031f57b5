"""Page 组织与职责: the responsibility table and the department × group matrix of roles."""

import streamlit as st

from dashboard import presentation, state
from dashboard.i18n import lang, t
from sim.organisation import Organisation


@st.cache_data(max_entries=16, show_spinner=False)
def matrix_png(organisation: Organisation, language: str) -> bytes:
    """Return the role matrix chart as PNG bytes (``language`` only keys the cache)."""

    return presentation.figure_png(presentation.role_matrix_figure(organisation))


st.title(t("page.organisation"))
loaded = state.require_scenario()
if loaded is not None:
    _, scenario = loaded
    organisation = scenario.organisation
    st.caption(t("org.intro", name=organisation.name, source=organisation.source))

    st.subheader(t("org.table"))
    st.table(presentation.responsibility_table(organisation).set_index(t("col.number")))

    st.subheader(t("org.matrix"))
    st.caption(t("org.matrix_help"))
    png = matrix_png(organisation, lang())
    st.image(png)
    st.download_button("PNG", png, file_name="role_matrix.png", mime="image/png", on_click="ignore")
    with st.expander(t("org.matrix_table")):
        matrix = presentation.role_matrix(organisation)
        st.dataframe(presentation.style_role_matrix(matrix), height=min(36 * (len(matrix) + 1) + 3, 1600))

    st.subheader(t("org.duties"))
    separator = presentation.list_separator()
    for group in organisation.groups:
        heading = t("org.group_heading", number=group.number,
                    name=presentation.group_label(organisation, group.name))
        with st.expander(heading):
            st.markdown(t("org.lead_line", lead=presentation.department_label(organisation, group.lead)))
            cooperating = separator.join(presentation.department_label(organisation, name)
                                         for name in group.cooperating) + group.cooperating_note
            st.markdown(t("org.coop_line", cooperating=cooperating))
            st.markdown("\n".join(f"{duty.number}. {duty.text}" for duty in group.duties))
