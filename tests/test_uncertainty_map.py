"""The headline tornado chart of ``borderflow uncertainty`` in the HTML map
(``borderflow map RUN --html MAP --uncertainty FOLDER``): a base64 PNG (offline) in the popup
of the crossing the scenario closes, or in the legend when it closes none; anything but a
finished uncertainty folder with a chart is refused (one line, exit 2)."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
from helpers import border_data
from typer.testing import CliRunner

from borderflow.cli import app

LINEAR = "table,key,field,low,high\nparameters,road_cost_usd_per_truck_km,value,0.8,1.2\n" \
         "crossings,x1,fee_usd_per_truck,10,40\n"


def _run(*args) -> None:
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("unc-map")
    data = border_data(root, "ds")
    (data / "ranges.csv").write_text(LINEAR, encoding="utf-8")
    _run("solve", "--data", data, "--close", "x2", "--out", root / "run")
    common = ("--data", data, "--samples", "10", "--sensitivity", "oat", "--screen", "0")
    _run("uncertainty", *common, "--close", "x2", "--out", root / "closed")
    _run("uncertainty", *common, "--out", root / "base")
    return root


def _popups(page: str) -> list[tuple[str, str]]:
    """(marker, content) of each popup bound on the page."""
    return [(m, json.loads(c)) for m, c in
            re.findall(r"(circle_marker_\w+)\.bindPopup\((\".*?\"), \{maxWidth", page)]


def _marker_of(page: str, crossing: str) -> str:
    """The circle marker whose tooltip is titled with ``crossing``'s name (the tiny network
    names its crossings by their upper-case id)."""
    for m in re.finditer(r"(circle_marker_\w+)\.bindTooltip\(\s*`(.*?)`", page, flags=re.S):
        if f"<b>{crossing.upper()}</b><table>" in m.group(2):
            return m.group(1)
    raise AssertionError(f"no marker for {crossing}")


def _map_with(folders, which: str, chart: str) -> tuple[str, str]:
    """The HTML map of the run with ``which``'s chart, and the chart's data URI."""
    out = folders / f"{which}.html"
    _run("map", folders / "run", "--html", out, "--uncertainty", folders / which)
    png = (folders / which / f"tornado_{chart}.png").read_bytes()
    return (out.read_text(encoding="utf-8"),
            "data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def test_chart_of_a_closure_is_in_the_closed_crossings_popup(folders):
    page, uri = _map_with(folders, "closed", "cost_increase_usd")
    assert page.count(uri) == 1  # once: the popup of x2, the one crossing closed
    popups = _popups(page)
    assert len(popups) == 1 and uri in popups[0][1]
    assert popups[0][0] == _marker_of(page, "x2")
    assert "Which inputs drive what the disruption costs" in popups[0][1]
    assert "close-x2" in popups[0][1]
    assert "$(" not in page  # no jQuery: the offline page does not load it


def test_chart_without_closure_is_in_the_legend(folders):
    page, uri = _map_with(folders, "base", "cost_usd")
    assert uri in page[page.index("id='bf-legend'"):page.index("<script", page.index(
        "id='bf-legend'"))]
    assert not _popups(page)


@pytest.mark.parametrize("which, extra, words", [
    ("run", ("--html", "m.html"), "is a borderflow run folder"),
    ("closed", (), "give --html FILE")])
def test_not_an_uncertainty_folder_or_no_html_refused(folders, which, extra, words):
    args = [str(a) if not str(a).endswith(".html") else str(folders / a) for a in extra]
    res = CliRunner().invoke(app, ["map", str(folders / "run"), *args, "--uncertainty",
                                   str(folders / which)])
    assert res.exit_code == 2 and words in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_popup_opens_offline_in_a_browser_with_the_chart_drawn(folders):
    """In Chromium with the network off: no script error, and x2's popup shows the PNG."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    out = folders / "closed.html"
    if not out.exists():
        _run("map", folders / "run", "--html", out, "--uncertainty", folders / "closed")
    page_text = out.read_text(encoding="utf-8")
    marker = _marker_of(page_text, "x2")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            ctx = browser.new_context(offline=True)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(out.as_uri())
            page.evaluate(f"{marker}.openPopup()")
            img = page.wait_for_selector(".leaflet-popup-content img", timeout=10_000)
            assert img.evaluate("i => i.complete && i.naturalWidth") > 100
            assert not errors
        finally:
            browser.close()
