"""Download buttons for a results folder held in memory: CSV, Excel, PNG, the manifest and a ZIP.

The CSV files, figures and manifest are the bytes that the ``sim`` library
wrote into a results folder, so they match what the command line writes.
The Excel workbook contains the same CSV tables, one sheet each.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from dashboard.runs import CSV_FILES as CSV_ORDER
from dashboard.runs import FIGURE_FILES as FIGURE_ORDER
from sim.results import CSV_ENCODING

EXCEL_MAX_ROWS = 1_048_576
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Sheet names (at most 31 characters) for each CSV file of the results folder.
SHEET_NAMES = {
    "headline.csv": "结果摘要 headline",
    "targets.csv": "时限目标 targets",
    "bottlenecks.csv": "瓶颈部门 bottlenecks",
    "resources.csv": "资源 resources",
    "queues.csv": "队列 queues",
    "replications.csv": "各次重复 replications",
    "task_log.csv": "任务日志 task_log",
    "comparison.csv": "方案对比 comparison",
    "marginal.csv": "边际增员 marginal",
}
FILE_LABEL_KEYS = {
    "task_log.csv": "file.task_log",
    "replications.csv": "file.replications",
    "headline.csv": "file.headline",
    "targets.csv": "file.targets",
    "resources.csv": "file.resources",
    "bottlenecks.csv": "file.bottlenecks",
    "queues.csv": "file.queues",
    "figures/targets.png": "fig.targets",
    "figures/gantt.png": "fig.gantt",
    "figures/waiting_by_department.png": "fig.waiting_by_department",
    "figures/utilisation_by_department.png": "fig.utilisation_by_department",
    "figures/utilisation_over_time.png": "fig.utilisation_over_time",
    "comparison.csv": "file.comparison",
    "marginal.csv": "file.marginal",
    "figures/differences.png": "fig.comparison",
    "figures/marginal.png": "fig.marginal",
}


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Return an Excel workbook with one sheet per entry of ``sheets`` (name → table).

    Raises ValueError when a table has more rows than an Excel sheet can take.
    """

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            if len(frame) >= EXCEL_MAX_ROWS:
                raise ValueError(f"table {name} has {len(frame)} rows, more than the {EXCEL_MAX_ROWS - 1} an Excel sheet "
                                 "can take; download the CSV file instead")
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def sheet_name(file_name: str, taken: set[str]) -> str:
    """Return a unique Excel sheet name (at most 31 characters, no []:*?/\\) for a CSV file name."""

    base = SHEET_NAMES.get(file_name) or re.sub(r"[\[\]:*?/\\]", "_", file_name.rsplit("/", 1)[-1].removesuffix(".csv"))
    name = base[:31]
    number = 2
    while name in taken:
        suffix = f"~{number}"
        name = base[:31 - len(suffix)] + suffix
        number += 1
    return name


def workbook_from_csv(files: dict[str, bytes]) -> bytes:
    """Return an Excel workbook with one sheet per CSV file in ``files`` (path → bytes)."""

    sheets: dict[str, pd.DataFrame] = {}
    ordered = [name for name in SHEET_NAMES if name in files] + \
        [name for name in files if name.endswith(".csv") and name not in SHEET_NAMES]
    for file_name in ordered:
        sheets[sheet_name(file_name, set(sheets))] = pd.read_csv(io.BytesIO(files[file_name]), encoding=CSV_ENCODING)
    return xlsx_bytes(sheets)


def zip_bytes(files: dict[str, bytes], folder: str) -> bytes:
    """Return a ZIP archive that contains ``files`` under the folder name ``folder``."""

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}/{name}", data)
    return buffer.getvalue()


def _button(label: str, data: bytes | Callable[[], bytes], file_name: str, mime: str, key: str) -> None:
    st.download_button(label, data=data, file_name=file_name, mime=mime, key=key, on_click="ignore",
                       width="stretch")


def _label(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    key = FILE_LABEL_KEYS.get(path)
    return f"{t(key)} ({base})" if key else base


def download_section(files: dict[str, bytes], prefix: str, key: str) -> None:
    """Draw download buttons for a results folder held in memory (``files``: path → bytes).

    CSV tables come as they are and together as one Excel workbook, PNG
    figures one by one, JSON files (the manifest) as they are, and
    everything as one ZIP. ``prefix`` starts every downloaded file name and
    ``key`` keeps the widget ids unique.
    """

    st.subheader(t("run.downloads"))
    csv_files = [path for path in CSV_ORDER if path in files] + \
        [path for path in files if path.endswith(".csv") and path not in CSV_ORDER]
    figure_files = [path for path in FIGURE_ORDER if path in files] + \
        [path for path in files if path.endswith(".png") and path not in FIGURE_ORDER]
    json_files = [path for path in files if path.endswith(".json")]
    tables, figures, other = st.columns(3)

    with tables:
        st.markdown(f"**{t('dl.csv')}**")
        for path in csv_files:
            _button(_label(path), files[path], f"{prefix}_{path.rsplit('/', 1)[-1]}", "text/csv", f"{key}-{path}")
        st.markdown(f"**{t('dl.xlsx')}**")
        _button(f"{prefix}.xlsx", lambda: workbook_from_csv(files), f"{prefix}.xlsx", XLSX_MIME, f"{key}-xlsx")

    with figures:
        st.markdown(f"**{t('dl.figures')}**")
        for path in figure_files:
            _button(_label(path), files[path], f"{prefix}_{path.rsplit('/', 1)[-1]}", "image/png", f"{key}-{path}")

    with other:
        st.markdown(f"**{t('dl.other')}**")
        for path in json_files:
            label = f"{t('dl.manifest')} ({path})" if path == "manifest.json" else path
            _button(label, files[path], f"{prefix}_{path}", "application/json", f"{key}-{path}")
        _button(t("dl.zip"), lambda: zip_bytes(files, prefix), f"{prefix}.zip", "application/zip", f"{key}-zip")
