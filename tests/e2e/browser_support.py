"""Start the real dashboard with ``streamlit run`` and open it in headless Chromium.

The server listens on a free port of 127.0.0.1 and is always terminated by
its process id. Chromium is Debian's ``/usr/bin/chromium`` (or the path in
``HQSIM_CHROMIUM``), driven by Playwright. For Chinese text the browser gets
a fontconfig file that adds the Noto Sans SC font of the
``pylopdf-fonts-zh-cn`` package to the system fonts, so no font has to be
installed system-wide. An installed CJK font (``fonts-noto-cjk``) works too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HQSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SERVER_START_TIMEOUT = 60.0
"""Seconds to wait for the server's health check to respond."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not respond within {SERVER_START_TIMEOUT} s:\n{log_path.read_text()}")


@contextmanager
def dashboard_server(log_dir: Path) -> Iterator[str]:
    """Start ``streamlit run dashboard/app.py`` on a free local port and yield its URL.

    The server is terminated (and killed after 10 s) on exit. Its output is
    in ``log_dir/streamlit.log``.
    """

    port = free_port()
    log_path = log_dir / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def chinese_font_dir() -> Path | None:
    """Return the folder of the pip-installed Noto Sans SC font, or None when the package is missing."""

    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    return Path(pylopdf_fonts_zh_cn.__file__).parent


def browser_environment(work_dir: Path) -> dict[str, str]:
    """Return Chromium's environment: this process's plus a fontconfig file that adds the Chinese font."""

    environment = dict(os.environ)
    font_dir = chinese_font_dir()
    if font_dir is None:
        return environment
    cache_dir = work_dir / "fontconfig-cache"
    cache_dir.mkdir(exist_ok=True)
    config = work_dir / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font_dir}</dir>\n  <cachedir>{cache_dir}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    environment["FONTCONFIG_FILE"] = str(config)
    return environment


@contextmanager
def chromium_page(work_dir: Path, width: int = 1400, height: int = 1000) -> Iterator[object]:
    """Yield a Playwright page in headless Chromium with a ``width`` × ``height`` viewport."""

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                             env=browser_environment(work_dir))
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            yield page
        finally:
            browser.close()


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the page script and the page has a title.

    Streamlit marks its root element with ``data-test-script-state``, which is
    ``notRunning`` once a script run has finished.
    """

    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
        " && document.querySelector('[data-testid=\"stMainBlockContainer\"] h1')",
        timeout=timeout_ms,
    )
