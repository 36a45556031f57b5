"""Take a screenshot of every dashboard page into docs/screenshots/.

Run it from the repository folder::

    .venv/bin/python tests/e2e/take_screenshots.py [--out docs/screenshots] [--replications 3]

It starts the dashboard on a free 127.0.0.1 port, opens each page in
headless Chromium, runs a small study on the run page and a small
comparison on the comparison page, and saves one PNG per page. The
viewport grows to the page's height, because Playwright's full-page
screenshot does not include Streamlit's inner scroll area.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import ROOT, chromium_page, dashboard_server, wait_for_app  # noqa: E402

WIDTH = 1400
MAX_HEIGHT = 16_000
RESULT_TIMEOUT_MS = 600_000

# The default page is served at the root, because its own path shows "Page not found".
PAGES = (
    ("", "1-organisation.png"),
    ("scenario", "2-scenario.png"),
    ("staffing", "3-staffing.png"),
)


def content_height(page) -> int:
    """Return the height in pixels of the page content, including what is scrolled out of view."""

    return int(page.evaluate(
        "() => { const block = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        " const main = document.querySelector('[data-testid=\"stMain\"]');"
        " const bottom = block ? block.getBoundingClientRect().bottom + (main ? main.scrollTop : 0) : 0;"
        " return Math.ceil(Math.max(bottom, main ? main.scrollHeight : 0)); }"))


def stable_content_height(page, attempts: int = 20) -> int:
    """Wait until images have loaded and the content height stops changing, and return it."""

    previous = -1
    for _ in range(attempts):
        page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
        height = content_height(page)
        if height == previous:
            return height
        previous = height
        page.wait_for_timeout(700)
    return previous


def capture(page, path: Path) -> None:
    """Resize the viewport to the page content and save a screenshot of it."""

    height = min(max(stable_content_height(page), 900), MAX_HEIGHT)
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    print(f"wrote {path} ({WIDTH}×{height})")


def assert_no_exception(page, where: str) -> None:
    """Raise when the page shows a Streamlit exception box."""

    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        raise RuntimeError(f"the {where} page shows an exception: {exceptions.first.inner_text()}")


def run_study(page, url: str, replications: int) -> None:
    """Open the run page, run a small study through the form and wait for its summary."""

    page.goto(f"{url}/run")
    wait_for_app(page)
    page.get_by_role("spinbutton", name="重复次数").fill(str(replications))
    page.get_by_role("button", name="开始运行").click()
    page.get_by_text("结果摘要（均值及 95% 置信区间）").wait_for(timeout=RESULT_TIMEOUT_MS)
    wait_for_app(page)


def run_comparison(page, url: str, replications: int) -> None:
    """Open the comparison page, compare the preselected options and wait for the table."""

    page.goto(f"{url}/compare")
    wait_for_app(page)
    page.get_by_role("spinbutton", name="重复次数").fill(str(replications))
    page.get_by_role("button", name="开始对比").click()
    page.get_by_text("对比结果（均值、95% 置信区间及与基准的差值）").wait_for(timeout=RESULT_TIMEOUT_MS)
    wait_for_app(page)


def main() -> int:
    parser = argparse.ArgumentParser(description="Take screenshots of every dashboard page.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="output folder")
    parser.add_argument("--replications", type=int, default=3, help="replications of the study and comparison")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="hqsim-screenshots-") as temporary:
        work = Path(temporary)
        with dashboard_server(work) as url, chromium_page(work, width=WIDTH) as page:
            for url_path, file_name in PAGES:
                page.goto(f"{url}/{url_path}")
                wait_for_app(page)
                assert_no_exception(page, url_path)
                capture(page, args.out / file_name)

            run_study(page, url, args.replications)
            assert_no_exception(page, "run")
            capture(page, args.out / "4-run.png")

            run_comparison(page, url, args.replications)
            assert_no_exception(page, "compare")
            capture(page, args.out / "5-compare.png")

            page.goto(url)
            wait_for_app(page)
            page.get_by_text("English", exact=True).click()
            page.get_by_role("heading", name="Organisation and duties").wait_for()
            wait_for_app(page)
            assert_no_exception(page, "organisation in English")
            capture(page, args.out / "6-organisation-en.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
