"""Response levers on the maps (issue 21): the HTML map's "Response levers" layer (checked in
headless Chromium through Playwright, offline), the GeoPackage's ``levers`` layer, and a
``respond`` folder's map and GeoPackage marking which levers of the menu were chosen.

Tiny network (tests/tiny.py, :func:`tiny.licence_tables`): 3,000 t/day of durian, x1 carries
100 trucks/day, x2 licenses only rice.
"""

from __future__ import annotations

import os
import re

import pyogrio
import pytest

import tiny
from borderflow import gis, maps
from borderflow.data.dataset import load_dataset
from borderflow.data.scenario import Scenario
from borderflow.pipeline import run_scenario
from borderflow.responses import respond

CHROMIUM = "/usr/bin/chromium"
LEVERS = ("name: levers\nevents:\n"
          "  - {crossing: x1, extra_capacity_trucks_per_day: 20, cost_usd_per_day: 2500}\n"
          "  - {crossing: x2, license: {products: [durian]}, cost_usd_per_day: 700}\n")


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return load_dataset(tiny.write(tmp_path_factory.mktemp("lm"), tiny.licence_tables()),
                        check_borders=False)


@pytest.fixture(scope="module")
def lever_run(ds):
    return gis.run_data(run_scenario(ds, Scenario.from_yaml_text(LEVERS, ds)))


def test_levers_layer_has_each_lever_with_its_cost(lever_run):
    lv = gis.with_levers(lever_run, {})["levers"]
    got = {(r.crossing_id, r.lever, r.detail, r.cost_usd_day) for r in lv.itertuples()}
    assert got == {("x1", "extra_capacity", "+20 trucks/day a_to_b", 2500.0),
                   ("x2", "license", "licensed: durian", 700.0)}
    assert lv.crs.to_string() == "EPSG:4326"
    assert gis.with_levers(lever_run, {"a": 1}) != {"a": 1}


def test_a_run_without_levers_has_no_levers_layer(ds):
    run = gis.run_data(run_scenario(ds, Scenario.from_yaml_text("name: t\n", ds)))
    assert "levers" not in gis.with_levers(run, gis.run_layers(run))


def test_geopackage_has_the_levers_layer_and_its_fields(lever_run, tmp_path):
    layers = gis.with_levers(lever_run, gis.run_layers(lever_run))
    (path,) = gis.write_layers(layers, tmp_path / "run.gpkg")
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert "levers" in names
    lv = pyogrio.read_dataframe(path, layer="levers")
    assert sorted(lv["cost_usd_day"]) == [700.0, 2500.0]
    dd = pyogrio.read_dataframe(path, layer="data_dictionary")
    assert set(dd.loc[dd["layer"] == "levers", "field"]) >= {"lever", "detail", "cost_usd_day"}


def _browser_page(html_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    return sync_api, html_path.as_uri()


def _lever_tooltips(html_path) -> tuple[int, list[str]]:
    """(number of lever rings drawn, text of each ring's tooltip on hover), offline."""
    sync_api, uri = _browser_page(html_path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(offline=True, viewport={"width": 1200,
                                                                "height": 900}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(uri)
            rings = page.locator("path.bf-lever")
            n = rings.count()
            texts = []
            for k in range(n):
                rings.nth(k).dispatch_event("mouseover")
                texts.append(page.locator(".leaflet-tooltip").last.inner_text())
            assert not errors
            return n, texts
        finally:
            browser.close()


def test_html_map_draws_the_levers_with_cost(lever_run, tmp_path):
    out = maps.flow_map_html(lever_run, tmp_path / "m.html")
    assert "Response levers" in out.read_text(encoding="utf-8")
    n, texts = _lever_tooltips(out)
    assert n == 2
    joined = " ".join(texts)
    assert "+20 trucks/day a_to_b" in joined and "2,500 USD/day" in joined
    assert "licensed: durian" in joined and "700 USD/day" in joined


MENU = ("levers:\n"
        "  - {name: lic-x2, crossing: x2, license: {products: [durian]}, cost_usd_per_day: 1000}\n"
        "  - {name: pricey-x1, crossing: x1, extra_capacity_trucks_per_day: 10,\n"
        "     cost_usd_per_day: 9000000}\n")


def test_respond_folder_has_a_map_and_geopackage_of_its_levers(ds, tmp_path):
    menu = tmp_path / "menu.yaml"
    menu.write_text(MENU)
    r = respond(ds, Scenario.from_yaml_text("name: t\n", ds), menu, budget_usd=1e7)
    assert r.best["levers"] == "lic-x2"
    folder = r.write(tmp_path / "resp")
    lv = pyogrio.read_dataframe(folder / "levers.gpkg", layer="levers")
    assert dict(zip(lv["lever_name"], lv["chosen"])) == {"lic-x2": "yes", "pricey-x1": "no"}
    n, texts = _lever_tooltips(folder / "map.html")
    assert n == 2
    joined = " ".join(texts)
    assert "lic-x2 (chosen)" in joined and "pricey-x1 (not chosen)" in joined
    assert re.search(r"9,000,000 USD/day", joined)
    again = r.write(tmp_path / "resp2")  # deterministic: same bytes
    for name in ("map.html", "levers.gpkg"):
        assert (folder / name).read_bytes() == (again / name).read_bytes()
