"""Entry point of the hqsim dashboard.

Start it from the repository folder so that Streamlit reads
``.streamlit/config.toml`` there::

    .venv/bin/streamlit run dashboard/app.py

The pages live in ``dashboard/views/``. The language switch comes first in
the sidebar, so that page titles are already translated, and the scenario
selector comes after the page, because the run page may activate an
uploaded scenario (see :func:`dashboard.state.scenario_sidebar`).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # `streamlit run` puts only this file's folder on sys.path, but the pages import `dashboard.*`.
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import i18n, state  # noqa: E402
from dashboard.i18n import t  # noqa: E402

st.set_page_config(page_title=t("app.title"), layout="wide")
i18n.language_switch()

PAGES = [
    ("views/organisation.py", "page.organisation", "organisation"),
    ("views/scenario.py", "page.scenario", "scenario"),
    ("views/staffing.py", "page.staffing", "staffing"),
    ("views/run.py", "page.run", "run"),
    ("views/compare.py", "page.compare", "compare"),
]
navigation = st.navigation([
    st.Page(path, title=t(title_key), url_path=url_path, default=index == 0)
    for index, (path, title_key, url_path) in enumerate(PAGES)
])
try:
    navigation.run()
finally:
    state.scenario_sidebar()
