"""End-to-end test: the real dashboard served by ``streamlit run`` and driven in headless Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import CHROMIUM, chromium_page, dashboard_server, wait_for_app  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium` "
                              "or set HQSIM_CHROMIUM to its path"),
]
pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[dev]')")

RESULT_TIMEOUT_MS = 300_000


def test_study_runs_in_browser(tmp_path):
    """In a real browser the app opens in Chinese, runs a 2-replication study, keeps it across pages and shows no exception."""

    with dashboard_server(tmp_path) as url, chromium_page(tmp_path, height=1600) as page:
        page.goto(url)
        wait_for_app(page)
        assert page.title() == "现场指挥部桌面推演模拟器"
        page.get_by_role("heading", name="组织与职责").wait_for()

        page.get_by_role("link", name="运行与结果").click()
        page.get_by_role("heading", name="运行与结果").wait_for()
        wait_for_app(page)
        page.get_by_role("spinbutton", name="重复次数").fill("2")
        page.get_by_role("button", name="开始运行").click()
        page.get_by_text("结果摘要（均值及 95% 置信区间）").wait_for(timeout=RESULT_TIMEOUT_MS)
        wait_for_app(page)
        page.screenshot(path=str(tmp_path / "run.png"))

        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("达标任务占比", exact=True).count() == 1
        assert page.locator('[data-testid="stMetricValue"]').count() == 5

        page.get_by_role("link", name="组织与职责").click()
        page.get_by_role("heading", name="组织与职责").wait_for()
        page.get_by_role("link", name="运行与结果").click()
        page.get_by_text("结果摘要（均值及 95% 置信区间）").wait_for()
        wait_for_app(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert (tmp_path / "run.png").stat().st_size > 10_000
