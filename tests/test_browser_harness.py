"""The browser harness itself: small pages written to tmp_path, opened in headless Chromium.

Run with ``tox -e browser`` (``pytest -m browser``); the default run deselects them. Without a
browser they skip, unless TESTBED_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

from pathlib import Path

import browser
import pytest
from browser import PageReport, open_report, require_browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; }
svg.chart { width: 320px; height: 180px; border: 1px solid #ccc; }
"""

BAR_CHART = """
<svg class="chart" id="throughput" viewBox="0 0 320 180" xmlns="http://www.w3.org/2000/svg">
  <rect x="20" y="60" width="60" height="100" fill="#3a7"/>
  <rect x="120" y="30" width="60" height="130" fill="#37a"/>
  <text x="20" y="175" font-size="12">A 41.5/h</text>
</svg>
"""

LINE_CHART = """
<svg class="chart" id="queue" viewBox="0 0 320 180" xmlns="http://www.w3.org/2000/svg">
  <polyline points="10,170 80,120 150,140 220,60 300,30" fill="none" stroke="#a33"
            stroke-width="3"/>
  <line x1="10" y1="170" x2="310" y2="170" stroke="#000"/>
</svg>
"""


def page(tmp_path: Path, body: str, head: str = "") -> Path:
    html = tmp_path / "report.html"
    html.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>t</title>"
        f"<style>{STYLE}</style>{head}</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return html


def render(tmp_path: Path, body: str, head: str = "") -> PageReport:
    return open_report(page(tmp_path, body, head), tmp_path / "shots" / "report.png")


@pytest.fixture
def chromium() -> str:
    return require_browser()


@pytest.mark.browser
def test_clean_page_passes(tmp_path: Path, chromium: str) -> None:
    body = f"<h1>Compare</h1><p>Throughput 41.5 parts/h</p>{BAR_CHART}{LINE_CHART}"
    report = render(tmp_path, body)

    assert report.console_errors == []
    assert report.blocked_requests == []
    assert report.charts == 2
    assert report.blank_charts == []
    assert report.screenshot == tmp_path / "shots" / "report.png"
    data = report.screenshot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 1024
    assert "Throughput 41.5 parts/h" in report.text


@pytest.mark.browser
def test_console_error_is_reported(tmp_path: Path, chromium: str) -> None:
    report = render(tmp_path, f"{BAR_CHART}<script>console.error('chart data missing')</script>")
    assert any("chart data missing" in e for e in report.console_errors), report.console_errors
    assert report.charts == 1
    assert report.blank_charts == []


@pytest.mark.browser
def test_uncaught_exception_is_reported(tmp_path: Path, chromium: str) -> None:
    report = render(tmp_path, f"{BAR_CHART}<script>drawAxes(undefined.x)</script>")
    assert any("uncaught page error" in e for e in report.console_errors), report.console_errors


@pytest.mark.browser
def test_external_script_is_blocked_and_reported(tmp_path: Path, chromium: str) -> None:
    url = "http://example.invalid/x.js"
    report = render(tmp_path, BAR_CHART, head=f'<script src="{url}"></script>')
    assert report.blocked_requests == [url]
    assert any(url in e and "blocked" in e for e in report.console_errors), report.console_errors


@pytest.mark.browser
@pytest.mark.parametrize(
    ("head", "body"),
    [
        pytest.param(
            "<style>@font-face { font-family: F; src: url(https://fonts.example.invalid/f.woff2); }"
            " body { font-family: F; }</style>",
            "<p>text</p>",
            id="font",
        ),
        pytest.param(
            '<link rel="stylesheet" href="https://cdn.example.invalid/s.css">', "", id="stylesheet"
        ),
        pytest.param("", '<img src="http://example.invalid/logo.png" alt="">', id="image"),
        pytest.param(
            "", "<script>fetch('https://api.example.invalid/d').catch(() => 0)</script>", id="fetch"
        ),
        pytest.param(
            "", "<script>new WebSocket('ws://example.invalid/live')</script>", id="websocket"
        ),
    ],
)
def test_any_network_use_is_reported(tmp_path: Path, chromium: str, head: str, body: str) -> None:
    report = render(tmp_path, body, head)
    assert len(report.blocked_requests) == 1, report.blocked_requests
    assert any("blocked" in e for e in report.console_errors), report.console_errors


@pytest.mark.browser
def test_empty_chart_is_blank(tmp_path: Path, chromium: str) -> None:
    body = f'{BAR_CHART}<svg class="chart" id="empty"></svg>{LINE_CHART}'
    report = render(tmp_path, body)
    assert report.charts == 3
    assert report.blank_charts == ["empty"]
    assert report.console_errors == []


@pytest.mark.browser
def test_hidden_and_inkless_charts_are_blank(tmp_path: Path, chromium: str) -> None:
    body = (
        f"{BAR_CHART}"
        '<svg class="chart" style="display:none"><rect width="10" height="10"/></svg>'
        '<svg class="chart" id="nopath"><path d=""/><text></text></svg>'
        '<svg class="chart" id="zero" style="width:0;height:0"><rect width="9" height="9"/></svg>'
        '<svg class="chart" id="outside" viewBox="0 0 320 180">'
        '<rect x="2000" y="20" width="50" height="50"/></svg>'
    )
    report = render(tmp_path, body)
    assert report.charts == 5
    assert report.blank_charts == ["#1", "nopath", "zero", "outside"]


@pytest.mark.browser
def test_local_file_requests_are_allowed(tmp_path: Path, chromium: str) -> None:
    (tmp_path / "extra.css").write_text("p { color: red; }", encoding="utf-8")
    link = '<link rel="stylesheet" href="extra.css">'
    report = render(tmp_path, f"<p>x</p>{BAR_CHART}", head=link)
    assert report.console_errors == []
    assert report.blocked_requests == []


def test_missing_browser_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "browser_problem", lambda: "no Chromium found")
    monkeypatch.delenv(browser.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        require_browser()


def test_missing_browser_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "browser_problem", lambda: "no Chromium found")
    monkeypatch.setenv(browser.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="TESTBED_REQUIRE_BROWSER=1"):
        require_browser()
