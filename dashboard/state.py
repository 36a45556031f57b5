"""The active scenario of a session: a built-in file or an uploaded one, with its staffing choices.

A session works on one scenario at a time. It starts on
``scenarios/default.yaml``. The sidebar lists the other built-in files and,
after a valid upload on the run page, the uploaded file. Uploaded bytes are
kept in the session only. They are written to a temporary folder just while
the library reads them (:func:`scenario_file`), next to a link to the
project's organisation folder, so that the file's ``organisation:`` reference
resolves and nothing outside that folder can be referenced.

A staffing choice is a string: ``option:<name>`` for an option defined in the
scenario file, ``custom:<name>`` for an option edited on the staffing page in
this session, and ``file:<name>`` for an option file in the scenario's
``staffing/`` folder (see :mod:`sim.staffing`). Option files are only looked
up for built-in scenarios, because an upload has no folder of its own.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.i18n import lang, pick, t
from sim import staffing as staffing_files
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.scenario import Scenario, StaffingOption
from sim.timefmt import format_time

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = ROOT / "scenarios"
ORGANISATION_DIR = SCENARIOS_DIR / "organisation"
DEFAULT_SCENARIO = SCENARIOS_DIR / "default.yaml"

MAX_UPLOAD_MB = 1
"""Upload limit in MB, checked by the dashboard with a Chinese message."""
TRANSFER_LIMIT_MB = 5
"""Streamlit's own limit (``server.maxUploadSize`` in .streamlit/config.toml); larger than ``MAX_UPLOAD_MB`` so
that files between the two get the dashboard's Chinese message instead of Streamlit's English one."""
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024

ACTIVE_SOURCE_KEY = "active_source"
SOURCE_WIDGET_KEY = "scenario_select"
UPLOAD_KEY = "uploaded_source"
CUSTOM_STAFFING_KEY = "custom_staffing"
UPLOAD_SOURCE_KEY = "upload"


@dataclass(frozen=True)
class ScenarioSource:
    """The origin of a scenario: a built-in file (``path``) or uploaded bytes (``data``).

    ``label`` is what users see and what the equivalent ``hqsim run`` command
    names. It is the path relative to the repository for a built-in file,
    and the uploaded file's name for an upload, which results also record as
    the scenario path.
    """

    key: str
    label: str
    path: Path | None = None
    data: bytes | None = None

    @property
    def file_name(self) -> str:
        """The scenario's file name, which saved staffing option files refer to."""

        return Path(self.label).name

    @property
    def digest(self) -> str:
        """SHA-256 of the scenario bytes (the built-in file or the upload)."""

        raw = self.data if self.data is not None else self.path.read_bytes()
        return hashlib.sha256(raw).hexdigest()


def display_path(path: Path) -> str:
    """Return ``path`` relative to the repository when it lies inside it, otherwise in full."""

    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def builtin_sources() -> list[ScenarioSource]:
    """Return the scenario files in ``scenarios/``, the default one first."""

    paths = sorted(SCENARIOS_DIR.glob("*.yaml"), key=lambda path: (path != DEFAULT_SCENARIO, path.name))
    return [ScenarioSource(key=f"builtin:{path.name}", label=str(path.relative_to(ROOT)), path=path)
            for path in paths]


def uploaded_source(name: str, data: bytes) -> ScenarioSource:
    """Return the source of an uploaded file, keeping only the base name of ``name``."""

    base = Path(name.replace("\\", "/")).name.strip() or "upload.yaml"
    base = "".join(character for character in base if character.isprintable())[:100]
    return ScenarioSource(key=UPLOAD_SOURCE_KEY, label=base, data=data)


def all_sources() -> list[ScenarioSource]:
    """Return the built-in sources followed by this session's upload, if any."""

    sources = builtin_sources()
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is not None:
        sources.append(upload)
    return sources


def active_source() -> ScenarioSource:
    """Return the session's scenario source (the default scenario until the user picks another)."""

    sources = {source.key: source for source in all_sources()}
    key = st.session_state.get(ACTIVE_SOURCE_KEY)
    if key in sources:
        return sources[key]
    return sources.get(f"builtin:{DEFAULT_SCENARIO.name}") or next(iter(sources.values()))


def activate_upload(source: ScenarioSource) -> None:
    """Make an uploaded, already validated source the session's active scenario."""

    st.session_state[UPLOAD_KEY] = source
    st.session_state[ACTIVE_SOURCE_KEY] = source.key


# ---------------------------------------------------------------- loading


@contextmanager
def scenario_file(source: ScenarioSource) -> Iterator[Path]:
    """Yield a path of the scenario that library functions can read.

    A built-in source yields its own path. An upload is written to a new
    temporary folder as ``scenario.yaml``, beside ``organisation``, which is a
    link to the project's organisation folder (a copy where links are not
    allowed). The temporary folder is deleted on exit.
    """

    if source.data is None:
        yield source.path
        return

    with tempfile.TemporaryDirectory(prefix="hqsim-upload-") as folder:
        folder = Path(folder)
        try:
            (folder / "organisation").symlink_to(ORGANISATION_DIR, target_is_directory=True)
        except OSError:
            shutil.copytree(ORGANISATION_DIR, folder / "organisation")
        path = folder / "scenario.yaml"
        path.write_bytes(source.data)
        yield path


def _organisation_fingerprint() -> str:
    stamps = sorted((path.name, path.stat().st_mtime_ns, path.stat().st_size)
                    for path in ORGANISATION_DIR.glob("*.yaml"))
    return repr(stamps)


@st.cache_data(max_entries=64, show_spinner=False)
def _load_builtin(path: str, file_stamp: tuple, organisation_stamp: str, staffing: str | None) -> Scenario:
    # The stamps are part of the cache key only, so an edited file is read again. The path stays
    # absolute, because sim.staffing finds option files in the folder of Scenario.path.
    return load_scenario(path, staffing=staffing)


@st.cache_data(max_entries=32, show_spinner=False)
def _load_upload(label: str, data: bytes, staffing: str | None) -> Scenario:
    source = ScenarioSource(key=UPLOAD_SOURCE_KEY, label=label, data=data)
    with scenario_file(source) as path:
        return load_scenario(path, staffing=staffing, display_name=label, organisation_dirs=[ORGANISATION_DIR])


def load(source: ScenarioSource, staffing: str | None = None) -> Scenario:
    """Load ``source`` with the scenario's staffing option ``staffing`` (its default when None).

    Raises :class:`ScenarioError` with every problem found.
    """

    if source.data is not None:
        if len(source.data) > MAX_UPLOAD_BYTES:
            raise ValueError(f"upload of {len(source.data)} bytes exceeds {MAX_UPLOAD_BYTES}")
        return _load_upload(source.label, source.data, staffing)
    stat = source.path.stat()
    return _load_builtin(str(source.path), (stat.st_mtime_ns, stat.st_size), _organisation_fingerprint(), staffing)


def load_active() -> tuple[ScenarioSource, Scenario | None, ScenarioError | None]:
    """Load the active source with its default staffing, returning a ScenarioError instead of raising it."""

    source = active_source()
    try:
        return source, load(source), None
    except ScenarioError as error:
        return source, None, error


def show_scenario_error(error: ScenarioError, heading: str | None = None) -> None:
    """Show every issue of ``error`` in the chosen language, one per line, in an error box."""

    lines = [issue.format(lang()) for issue in error.issues]
    body = "\n\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))
    st.error(f"{heading or t('scenario.load_failed')}\n\n{body}")


def require_scenario() -> tuple[ScenarioSource, Scenario] | None:
    """Load the active scenario for a page, or show its problems and return None when it is invalid."""

    source, scenario, error = load_active()
    if error is not None:
        show_scenario_error(error)
        return None
    return source, scenario


# ---------------------------------------------------------------- staffing choices


def custom_options(source: ScenarioSource) -> dict[str, StaffingOption]:
    """Return the options edited in this session for ``source`` (keyed by the scenario bytes' hash)."""

    return st.session_state.get(CUSTOM_STAFFING_KEY, {}).get(source.digest, {})


def add_custom_option(source: ScenarioSource, option: StaffingOption) -> None:
    """Make ``option`` available for runs of ``source`` in this session."""

    store = st.session_state.setdefault(CUSTOM_STAFFING_KEY, {})
    store.setdefault(source.digest, {})[option.name] = option


def option_files(source: ScenarioSource, scenario: Scenario) -> dict[str, Path]:
    """Return the staffing option files made for a built-in ``source``, by option name (none for uploads)."""

    if source.data is not None:
        return {}
    return staffing_files.discover_staffing_files(scenario)


def staffing_choices(source: ScenarioSource, scenario: Scenario) -> dict[str, str]:
    """Return the staffing choices for ``source`` as {choice: label}, the scenario's default first."""

    choices: dict[str, str] = {}
    names = [scenario.default_staffing] + [name for name in scenario.staffing_options
                                           if name != scenario.default_staffing]
    for name in names:
        description = scenario.staffing_options[name].description
        choices[f"option:{name}"] = f"{name} — {description}" if description else name
    for name, option in custom_options(source).items():
        choices[f"custom:{name}"] = f"{name} — {option.description}" if option.description else name
    for name, path in option_files(source, scenario).items():
        choices[f"file:{name}"] = f"{name} — {display_path(path)}"
    return choices


def scenario_for_choice(source: ScenarioSource, choice: str) -> Scenario:
    """Load ``source`` with the staffing ``choice``.

    Raises :class:`ScenarioError` for an invalid scenario, option or option
    file, and KeyError for an unknown choice.
    """

    kind, _, name = choice.partition(":")
    if kind == "option":
        return load(source, name)
    base = load(source)
    if kind == "custom":
        return staffing_files.with_option(base, custom_options(source)[name])
    if kind == "file":
        return staffing_files.with_option(base, staffing_files.load_staffing_file(option_files(source, base)[name], base))
    raise KeyError(choice)


# ---------------------------------------------------------------- sidebar


def _select_source() -> None:
    st.session_state[ACTIVE_SOURCE_KEY] = st.session_state[SOURCE_WIDGET_KEY]


def scenario_sidebar() -> None:
    """Draw the scenario selector and a one-line summary of the active scenario in the sidebar.

    Draw it after the page has run: a page may activate an upload, and a
    widget's value may only be set before the widget is drawn in a run.
    """

    sources = all_sources()
    keys = [source.key for source in sources]
    labels = {source.key: (t("sidebar.uploaded", name=source.label) if source.data is not None else source.label)
              for source in sources}
    current = active_source().key
    st.session_state[SOURCE_WIDGET_KEY] = current
    st.sidebar.selectbox(t("sidebar.scenario"), keys, format_func=labels.__getitem__,
                         key=SOURCE_WIDGET_KEY, on_change=_select_source)

    _, scenario, _ = load_active()
    if scenario is not None:
        st.sidebar.caption(pick(scenario.name, scenario.name_en))
        st.sidebar.caption(t("sidebar.horizon", horizon=format_time(scenario.horizon),
                             injects=len(scenario.injects)))
    st.sidebar.caption(t("sidebar.upload_hint"))

