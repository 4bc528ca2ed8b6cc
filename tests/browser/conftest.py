"""Browser tests: headless Chromium (Debian's, through Playwright) against a live `nba serve`.

They skip, never fail, where Playwright or a Chromium cannot be found. Screenshots go to
`test-artifacts/screenshots/` (or $NBA_TEST_ARTIFACTS/screenshots).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from nba.config import Settings
from nba.runtime import build_runtime
from tests.e2e.live import Served

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("NBA_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"

pytestmark = pytest.mark.slow


def chromium_path() -> str | None:
    """Debian's Chromium (the bundled Playwright browsers cannot be downloaded here)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session of this xdist worker."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@dataclass(frozen=True)
class Console:
    """A live service and one key per role (the secrets)."""

    url: str
    keys: dict[str, str]
    database_url: str

    def ui(self, path: str = "") -> str:
        return f"{self.url}/ui{path}"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """`nba serve` (gunicorn, one worker) on a fresh SQLite file, with a key for every role."""
    folder = tmp_path_factory.mktemp("console")
    database_url = f"sqlite:///{folder / 'nba.db'}"
    runtime = build_runtime(Settings(database_url=database_url, data_dir=folder, seed=7))
    keys = {
        role: runtime.keys.create(role, f"{role} tester")[1]
        for role in ("crm", "marketer", "analyst", "admin")
    }
    runtime.close()
    # The console's summaries run every second, its policy comparison every 4 s: pages show
    # the traffic a test just sent (a run is cheap when nothing changed).
    served = Served(
        folder, database_url, save_interval_s=3600, summary_interval_s=1, summary_settle_s=0.2,
        comparison_interval_s=4,
    )  # fmt: skip
    served.start()
    try:
        yield Console(served.url, keys, database_url)
    finally:
        served.stop()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def sign_in(page: Page, console: Console, role: str) -> None:
    """Sign in through the form as `role`."""
    page.goto(console.ui("/sign-in"))
    page.fill("#api_key", console.keys[role])
    page.click("button[type=submit]")
    page.wait_for_url(f"{console.url}/ui/")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


DRAWN_CHARTS = """() => Array.from(document.querySelectorAll("figure.chart canvas")).map((c) => {
  const canvas = c;
  const chart = Chart.getChart(canvas);
  if (!chart) { return null; }
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted += 1; } }
  return {title: chart.options.plugins.title.text, painted: painted};
})"""


def drawn_chart_titles(page: Page) -> list[str]:
    """The titles of the charts Chart.js drew on the page, once its chart script has run;
    each chart must have painted a real share of its canvas (axes, lines, bars)."""
    page.wait_for_selector("html[data-charts-drawn]", state="attached")
    charts = page.evaluate(DRAWN_CHARTS)
    assert all(chart is not None for chart in charts), "a canvas without its chart"
    for chart in charts:
        assert chart["painted"] > 2_000, chart
    return [chart["title"] for chart in charts]
