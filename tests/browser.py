"""Open an HTML report in a real headless Chromium and say what a person would see.

Tests import it as ``from browser import open_report`` (tests/ is on sys.path, as for conftest).
It drives Debian's Chromium (/usr/bin/chromium) with Playwright's Python driver, which ships
inside the ``playwright`` wheel; no browser is downloaded. Playwright is imported lazily, so this
module imports (and the browser tests skip) where it is not installed: only ``tox -e browser``
installs it.

The report must be self-contained: every request that is not ``file://`` (or an inline
``data:``/``blob:`` URL) is blocked before it leaves the browser and is counted as an error, and
so is any WebSocket. Chromium's own background traffic is switched off by flags, and its host
resolver answers "not found" for every name, so nothing reaches the network even by mistake.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The flags the machine's probe used for Debian's Chromium as root on a closed network, plus
# two that make stray traffic impossible rather than merely refused: no DNS answers at all, and
# every connection that escaped the request interception would go to a closed loopback port.
# Playwright adds --headless itself (headless=True).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
]

# Set to a Chromium binary to use it instead of the one found on PATH.
CHROMIUM_ENV = "TESTBED_CHROMIUM"
# Set to 1 (CI does) to turn "no browser here" from a skip into a failure.
REQUIRE_ENV = "TESTBED_REQUIRE_BROWSER"

VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 900
TIMEOUT_MS = 30_000

# Elements that put ink on a chart. An <svg class="chart"> with none of these, or whose only
# ones have an empty box, is blank.
DRAWN = "path, rect, circle, ellipse, line, polyline, polygon, text"

# A chart is blank when its content box (inside any border) is empty, or when nothing drawn in
# it has a box that overlaps that content box (a line may be 0 wide or high, not both).
_CHARTS_JS = """
(drawn) => Array.from(document.querySelectorAll('svg.chart')).map((svg, i) => {
  const outer = svg.getBoundingClientRect();
  const left = outer.left + svg.clientLeft, top = outer.top + svg.clientTop;
  const right = left + svg.clientWidth, bottom = top + svg.clientHeight;
  const ink = Array.from(svg.querySelectorAll(drawn)).filter((el) => {
    const r = el.getBoundingClientRect();
    const w = Math.min(r.right, right) - Math.max(r.left, left);
    const h = Math.min(r.bottom, bottom) - Math.max(r.top, top);
    return w >= 0 && h >= 0 && (w > 0 || h > 0);
  });
  return {name: svg.id || ('#' + i), width: svg.clientWidth, height: svg.clientHeight,
          drawn: ink.length};
})
"""

# Let layout, fonts and two frames settle so late errors and sizes are seen.
_SETTLE_JS = """
async () => {
  if (document.fonts) { await document.fonts.ready; }
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}
"""

_LOCAL = re.compile(r"^(file|data|blob|about):", re.IGNORECASE)


@dataclass
class PageReport:
    # console messages of type error, uncaught page errors, blocked and failed requests
    console_errors: list[str]
    charts: int  # number of <svg class="chart"> elements
    # ids (or "#index") of charts with an empty box or nothing drawn in them
    blank_charts: list[str]
    screenshot: Path  # full-page PNG written
    text: str  # document.body.innerText, to compare numbers against results.json
    blocked_requests: list[str] = field(default_factory=list)  # URLs that tried the network


def _runs(path: str) -> bool:
    try:
        done = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and "chrom" in done.stdout.lower()


@functools.cache
def _find_chromium() -> tuple[str | None, str]:
    """(path, "") of a Chromium that answers --version, or (None, why not)."""
    wanted = os.environ.get(CHROMIUM_ENV)
    if wanted:
        if _runs(wanted):
            return wanted, ""
        return None, f"{CHROMIUM_ENV}={wanted} does not run"
    for name in ("chromium", "chromium-browser", "/usr/lib/chromium/chromium"):
        path = shutil.which(name)
        if path and _runs(path):
            return path, ""
    return None, (
        "no Chromium found (Debian: apt-get install chromium chromium-driver; "
        f"or set {CHROMIUM_ENV})"
    )


def browser_problem() -> str | None:
    """Why open_report cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (run the browser tests with tox -e browser)"
    return _find_chromium()[1] or None


def browser_available() -> str | None:
    """Path of a usable Chromium (with Playwright importable to drive it), or None."""
    if browser_problem() is not None:
        return None
    return _find_chromium()[0]


def require_browser() -> str:
    """The Chromium path for a test; skip without one, or fail if TESTBED_REQUIRE_BROWSER=1."""
    import pytest

    problem = browser_problem()
    if problem is None:
        path = _find_chromium()[0]
        assert path is not None
        return path
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but no browser can run: {problem}", pytrace=False)
    pytest.skip(f"no headless browser: {problem}")


@contextlib.contextmanager
def _page(errors: list[str], blocked: list[str],
          width: int = VIEWPORT_WIDTH) -> Iterator[Any]:
    """A page of headless Chromium, offline: every request that is not local is blocked and
    recorded in ``blocked`` and ``errors``, as are console errors and crashes."""
    problem = browser_problem()
    if problem is not None:
        raise RuntimeError(f"no headless browser: {problem}")
    from playwright.sync_api import sync_playwright

    def on_route(route: Any) -> None:
        url = route.request.url
        if _LOCAL.match(url):
            route.continue_()
        else:
            blocked.append(url)
            errors.append(f"blocked network request (report must be self-contained): {url}")
            route.abort("blockedbyclient")

    def on_websocket(ws: Any) -> None:
        # Not connecting to the server leaves the socket mocked: nothing goes out.
        blocked.append(ws.url)
        errors.append(f"blocked WebSocket (report must be self-contained): {ws.url}")

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            errors.append(f"console.error: {msg.text}" + (f" ({where})" if where else ""))

    def on_request_failed(request: Any) -> None:
        if request.url not in blocked:
            errors.append(f"request failed: {request.url}: {request.failure}")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=browser_available(),
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=TIMEOUT_MS * 2,
        )
        try:
            context = browser.new_context(
                viewport={"width": width, "height": VIEWPORT_HEIGHT},
                device_scale_factor=1,
                reduced_motion="reduce",
                service_workers="block",
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.route(re.compile(r".*"), on_route)
            context.route_web_socket(re.compile(r".*"), on_websocket)
            page = context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda exc: errors.append(f"uncaught page error: {exc}"))
            page.on("requestfailed", on_request_failed)
            page.on("crash", lambda _page: errors.append("page crashed"))
            yield page
        finally:
            browser.close()


def open_report(html: Path, screenshot: Path) -> PageReport:
    """Load ``html`` from disk in headless Chromium, offline, and write a full-page PNG."""
    html = Path(html).resolve()
    if not html.is_file():
        raise FileNotFoundError(html)
    screenshot = Path(screenshot)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    blocked: list[str] = []

    with _page(errors, blocked) as page:
        page.goto(html.as_uri(), wait_until="load")
        page.evaluate(_SETTLE_JS)
        charts = page.evaluate(_CHARTS_JS, DRAWN)
        text = page.evaluate("() => document.body ? document.body.innerText : ''")
        page.screenshot(path=str(screenshot), full_page=True)

    blank = [c["name"] for c in charts if c["width"] <= 0 or c["height"] <= 0 or c["drawn"] == 0]
    return PageReport(
        console_errors=errors,
        charts=len(charts),
        blank_charts=blank,
        screenshot=screenshot,
        text=text,
        blocked_requests=blocked,
    )


# A4 less the pages' 12 mm margins (templates/base.html's @page), in CSS pixels (96 per inch):
# the box Chromium lays a printed page out in.
MM = 96 / 25.4
PRINT_WIDTH, PRINT_HEIGHT = round((210 - 24) * MM), (297 - 24) * MM

# Under print styles: every table's box against the page's, every cell whose content is wider
# than the cell (cut off on paper), and where the summary ends.
_PRINT_JS = """
() => {
  const page = document.documentElement.clientWidth;
  const name = (el, i) => el.id || (el.tagName.toLowerCase() + '#' + i);
  const wide = Array.from(document.querySelectorAll('table')).map((t, i) => {
    const r = t.getBoundingClientRect();
    return {name: name(t, i), left: r.left, right: r.right};
  }).filter((t) => t.left < -0.5 || t.right > page + 0.5).map((t) => t.name);
  const clipped = Array.from(document.querySelectorAll('th, td, div.scroll'))
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.textContent.trim().slice(0, 40));
  const summary = document.querySelector('#answers');
  return {page, wide, clipped, documentWidth: document.documentElement.scrollWidth,
          summaryTop: summary ? summary.getBoundingClientRect().top + window.scrollY : null,
          summaryBottom: summary ? summary.getBoundingClientRect().bottom + window.scrollY
                                 : null};
}
"""


@dataclass
class PrintReport:
    pages: int  # pages of the PDF Chromium printed
    pdf: Path
    wide_tables: list[str]  # ids of tables wider than the printed page's box
    clipped_cells: list[str]  # the start of the text of each cell whose content overflows it
    document_width: float  # the printed layout's width; more than the page's means cut off
    page_width: float
    summary_top: float | None  # where #answers starts and ends in the printed layout (px)
    summary_bottom: float | None
    console_errors: list[str]


def print_report(html: Path, pdf: Path) -> PrintReport:
    """Print ``html`` as Chromium does to PDF (A4, print styles), write the PDF, and measure the
    printed layout: the same box, the same styles."""
    html = Path(html).resolve()
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with _page(errors, [], width=PRINT_WIDTH) as page:
        page.goto(html.as_uri(), wait_until="load")
        page.emulate_media(media="print")
        page.evaluate(_SETTLE_JS)
        layout = page.evaluate(_PRINT_JS)
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    # Each page of a PDF is an object of /Type /Page (the tree above them is /Pages).
    pages = len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf.read_bytes()))
    return PrintReport(pages=pages, pdf=pdf, wide_tables=layout["wide"],
                       clipped_cells=layout["clipped"], document_width=layout["documentWidth"],
                       page_width=layout["page"], summary_top=layout["summaryTop"],
                       summary_bottom=layout["summaryBottom"], console_errors=errors)


# In every chart: pairs of texts whose boxes overlap (overprinted labels or legends), and
# lines drawn through a text: any line but the light grid behind the figures (line.grid) and a
# diagram's data paths, which run under its boxes (line.path).
_OVERLAPS_JS = """
() => {
  const found = [];
  const meet = (a, b, pad) => a.left < b.right - pad && b.left < a.right - pad
                              && a.top < b.bottom - pad && b.top < a.bottom - pad;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const texts = Array.from(svg.querySelectorAll('text'))
      .filter((t) => t.textContent.trim())
      .map((t) => [t.textContent.trim(), t.getBoundingClientRect()]);
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (meet(texts[i][1], texts[j][1], 1)) {
          found.push(`${svg.id}: "${texts[i][0]}" overprints "${texts[j][0]}"`);
        }
      }
    }
    for (const line of svg.querySelectorAll('line:not(.grid):not(.path)')) {
      const r = line.getBoundingClientRect();
      for (const [text, box] of texts) {
        if (meet(r, box, 0.5)) { found.push(`${svg.id}: a line runs through "${text}"`); }
      }
    }
  }
  return found;
}
"""


def chart_overlaps(html: Path) -> list[str]:
    """What a reader would see printed over something else in the page's charts."""
    errors: list[str] = []
    with _page(errors, []) as page:
        page.goto(Path(html).resolve().as_uri(), wait_until="load")
        page.evaluate(_SETTLE_JS)
        found: list[str] = page.evaluate(_OVERLAPS_JS)
    return found + errors
