"""Page 方案对比: staffing options on common random numbers, and the one-more-person ranking."""

import importlib.util
import logging

import pandas as pd
import streamlit as st

from dashboard import exports, state
from dashboard.runs import DEFAULT_SEED
from dashboard.i18n import lang, t
from dashboard.presentation import interval, number, percent

log = logging.getLogger("dashboard.compare")

RESULT_KEY = "comparison_bundle"
DEFAULT_REPLICATIONS = 10
MAX_REPLICATIONS = 200
# Largest seed the number field takes: browsers hold whole numbers exactly only up to 2**53 - 1.
MAX_SEED = 2**53 - 1


def signed(value, scale: float = 1.0, unit: str = "") -> str:
    """Return a difference with its sign, scaled (100 for percentage points), or '—' when missing."""

    return "—" if pd.isna(value) else f"{value * scale:+.2f}{unit}"


def comparison_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return the comparison table for display: value and difference from the baseline with their CIs."""

    rows = []
    for _, row in table.iterrows():
        share = "share" in row["measure"]
        formatter = percent if share else number
        scale, unit = (100.0, "pp") if share else (1.0, "")
        rows.append({
            t("col.measure"): row["label"],
            t("col.option"): row["option"],
            t("col.mean"): formatter(row["mean"]),
            t("col.ci"): interval(row["low"], row["high"], formatter),
            t("col.diff_mean"): signed(row["diff_mean"], scale, unit),
            t("col.diff_low"): signed(row["diff_low"], scale, unit),
            t("col.diff_high"): signed(row["diff_high"], scale, unit),
            t("col.significant"): "✓" if row["significant"] else "",
        })
    return pd.DataFrame(rows)


def marginal_table(marginal: pd.DataFrame) -> pd.DataFrame:
    """Return the one-more-person ranking for display, differences with their 95% CIs."""

    rows = []
    for _, row in marginal.iterrows():
        rows.append({
            t("col.rank"): int(row["rank"]),
            t("col.change"): row["change_en"] if lang() == "en" else row["change"],
            t("col.targets_delta"): f"{signed(row['targets_met_delta_mean'], 100, 'pp')} "
                                    f"[{signed(row['targets_met_delta_low'], 100)}, "
                                    f"{signed(row['targets_met_delta_high'], 100)}]",
            t("col.delay_delta"): f"{signed(row['delay_delta_mean'])} [{signed(row['delay_delta_low'])}, "
                                  f"{signed(row['delay_delta_high'])}]",
            t("col.significant"): "✓" if row["significant"] else "",
        })
    return pd.DataFrame(rows)


def show_comparison(bundle) -> None:
    """Draw the comparison table and figures, the marginal ranking and the downloads."""

    st.divider()
    st.subheader(t("cmp.table"))
    st.dataframe(comparison_table(bundle.table), hide_index=True)
    st.image(bundle.files["figures/differences.png"], width="stretch")
    if bundle.marginal is not None:
        st.subheader(t("cmp.marginal_table"))
        st.dataframe(marginal_table(bundle.marginal), hide_index=True)
        st.image(bundle.files["figures/marginal.png"], width="stretch")
    exports.download_section(bundle.files, bundle.folder_name, key="compare")


st.title(t("page.compare"))
if importlib.util.find_spec("sim.compare") is None:
    st.warning(t("cmp.missing"))
else:
    from dashboard import comparisons
    from sim.errors import ScenarioError

    st.caption(t("cmp.intro"))
    loaded = state.require_scenario()
    if loaded is not None:
        source, scenario = loaded
        choices = state.staffing_choices(source, scenario)
        with st.form("compare_form"):
            selected = st.multiselect(t("cmp.options"), list(choices), default=list(choices)[:3],
                                      format_func=choices.__getitem__)
            replications_column, seed_column = st.columns(2)
            replications = replications_column.number_input(
                t("run.replications"), min_value=2, max_value=MAX_REPLICATIONS, value=DEFAULT_REPLICATIONS, step=1,
                help=t("run.replications_help", max=MAX_REPLICATIONS))
            seed = seed_column.number_input(t("run.seed"), min_value=0, max_value=MAX_SEED, value=DEFAULT_SEED, step=1,
                                            help=t("run.seed_help"))
            with_marginal = st.checkbox(t("cmp.marginal"))
            changes = len(comparisons.candidate_changes(scenario))
            st.caption(t("cmp.marginal_cost", changes=changes, factor=changes + 1))
            submitted = st.form_submit_button(t("cmp.submit"), type="primary")

        if submitted:
            total = comparisons.total_replications(len(selected), scenario, int(replications), with_marginal)
            if len(selected) < 2:
                st.error(t("cmp.need_two"))
            elif total > comparisons.MAX_TOTAL_REPLICATIONS:
                st.error(t("cmp.too_many", total=total, limit=comparisons.MAX_TOTAL_REPLICATIONS))
            else:
                try:
                    variants = []
                    for choice in selected:
                        label = choice.partition(":")[2]
                        if label in dict(variants):
                            label = choice
                        variants.append((label, state.scenario_for_choice(source, choice)))
                    bundle, cached = comparisons.compare_options(
                        variants, int(replications), int(seed), with_marginal, t("run.progress"), t("run.rendering"))
                except ScenarioError as error:
                    state.show_scenario_error(error, t("run.staffing_invalid"))
                except ValueError as error:
                    log.warning("comparison of %s failed: %s", selected, error)
                    st.error(t("cmp.failed", error=error))
                else:
                    st.session_state[RESULT_KEY] = bundle
                    if cached:
                        st.info(t("run.cached"))

        bundle = st.session_state.get(RESULT_KEY)
        if bundle is None:
            st.info(t("cmp.none"))
        else:
            show_comparison(bundle)
