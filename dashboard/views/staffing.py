"""Page 人员配置: edit staff per department and teams per group, save as a staffing option file."""

import logging
import math

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.i18n import lang, t
from sim import staffing as staffing_files
from sim.errors import ScenarioError
from sim.limits import MAX_STAFF, MAX_TEAMS
from sim.scenario import Scenario, StaffingOption

log = logging.getLogger(__name__)


def read_counts(frame: pd.DataFrame, names: list[str], column: str, low: int, high: int) -> tuple[list, list]:
    """Return ``(name, count)`` pairs from an edited column and the error messages for invalid cells."""

    counts, errors = [], []
    for row, (name, value) in enumerate(zip(names, frame[column]), start=1):
        valid = value is not None and not (isinstance(value, float) and math.isnan(value)) \
            and float(value) == int(value) and low <= int(value) <= high
        if valid:
            counts.append((name, int(value)))
        else:
            errors.append(t("staff.error.value", row=row, name=name, value=value, low=low, high=high))
    return counts, errors


def name_problem(name: str, scenario: Scenario) -> str | None:
    """Return the text key of the reason ``name`` cannot name a new option, or None.

    Saving checks the characters and the names of existing option files as well (in sim.staffing).
    """

    if not name:
        return "staff.reason.empty"
    if name in scenario.staffing_options:
        return "staff.reason.taken"
    return None


def save_option(scenario: Scenario, name: str, description: str, staff: dict, teams: dict) -> None:
    """Save the option with :func:`sim.staffing.save_staffing_option` and show the outcome."""

    try:
        path = staffing_files.save_staffing_option(scenario, name, description, staff, teams)
    except ScenarioError as error:
        state.show_scenario_error(error, t("staff.error.save"))
    except OSError as error:
        log.warning("saving staffing option %s failed: %s", name, error)
        st.error(t("staff.error.write", error=error))
    else:
        log.info("saved staffing option %s to %s", name, path)
        st.success(t("staff.saved", path=state.display_path(path)))


def editor_height(rows: int) -> int:
    """Return a data editor height in pixels that shows up to 20 rows without scrolling."""

    return 35 * (min(rows, 20) + 1) + 3


st.title(t("page.staffing"))
st.caption(t("staff.intro"))
loaded = state.require_scenario()
if loaded is not None:
    source, scenario = loaded
    organisation = scenario.organisation
    choices = state.staffing_choices(source, scenario)
    base_choice = st.selectbox(t("staff.base"), list(choices), format_func=choices.__getitem__, key="staffing_base")
    try:
        base = state.scenario_for_choice(source, base_choice)
    except ScenarioError as error:
        state.show_scenario_error(error, t("run.staffing_invalid"))
        base = None

    if base is not None:
        departments = organisation.department_names
        groups = organisation.group_names
        staff_column, teams_column = t("col.staff"), t("col.teams")
        department_frame = pd.DataFrame({
            t("col.department"): departments,
            staff_column: [base.departments[name].staff for name in departments],
            t("col.name_en"): [organisation.department(name).name_en for name in departments],
        })
        group_frame = pd.DataFrame({
            t("col.group"): groups,
            teams_column: [base.teams[name] for name in groups],
            t("col.name_en"): [organisation.group(name).name_en for name in groups],
        })
        # The key changes with the start option and the language, so the editors restart from the new table.
        editor_key = f"{source.digest[:16]}-{base_choice}-{lang()}"

        left, right = st.columns([3, 2])
        with left:
            st.subheader(t("staff.departments"))
            edited_departments = st.data_editor(
                department_frame, key=f"departments-{editor_key}", hide_index=True, num_rows="fixed",
                disabled=[t("col.department"), t("col.name_en")], height=editor_height(len(department_frame)),
                column_config={staff_column: st.column_config.NumberColumn(
                    min_value=0, max_value=MAX_STAFF, step=1, required=True)},
            )
        with right:
            st.subheader(t("staff.groups"))
            edited_groups = st.data_editor(
                group_frame, key=f"groups-{editor_key}", hide_index=True, num_rows="fixed",
                disabled=[t("col.group"), t("col.name_en")], height=editor_height(len(group_frame)),
                column_config={teams_column: st.column_config.NumberColumn(
                    min_value=1, max_value=MAX_TEAMS, step=1, required=True)},
            )

        staff, staff_errors = read_counts(edited_departments, departments, staff_column, 0, MAX_STAFF)
        teams, team_errors = read_counts(edited_groups, groups, teams_column, 1, MAX_TEAMS)
        changes = sum(1 for name, value in staff if value != base.departments[name].staff) + \
            sum(1 for name, value in teams if value != base.teams[name])
        st.caption(t("staff.changes", count=changes))

        name = st.text_input(t("staff.name"), help=t("staff.name_help"), max_chars=40).strip()
        description = st.text_input(t("staff.description"), max_chars=200).strip()
        is_upload = source.data is not None
        save_column, use_column = st.columns(2)
        save = save_column.button(t("staff.save"), type="primary", width="stretch", disabled=is_upload,
                                  help=t("staff.upload_no_save") if is_upload else None)
        use = use_column.button(t("staff.use"), width="stretch")

        if save or use:
            problem = name_problem(name, scenario)
            if problem:
                st.error(t("staff.error.name", name=name, reason=t(problem)))
            elif staff_errors or team_errors:
                st.error("\n\n".join(staff_errors + team_errors))
            else:
                option = StaffingOption(name, description, tuple(staff), (), tuple(teams))
                try:
                    staffing_files.with_option(scenario, option)
                except ScenarioError as error:
                    state.show_scenario_error(error, t("staff.error.invalid"))
                else:
                    if save:
                        save_option(scenario, name, description, dict(staff), dict(teams))
                    if use:
                        state.add_custom_option(source, option)
                        st.success(t("staff.in_session", name=name))

        if not is_upload:
            folder = state.display_path(staffing_files.staffing_folder(scenario))
            st.subheader(t("staff.saved_files", folder=folder))
            saved = state.option_files(source, scenario)
            if saved:
                st.dataframe(pd.DataFrame([{t("col.option"): option_name, t("col.file"): state.display_path(path)}
                                           for option_name, path in saved.items()]), hide_index=True)
            else:
                st.caption(t("staff.no_saved"))
