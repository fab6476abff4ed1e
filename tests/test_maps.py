"""Maps: static PNGs and the self-contained interactive HTML map (checked in headless Chromium).

Tiny network (tests/tiny.py): the optimum sends 10 trucks/day O -> X1 -> M; closing X1 moves
them to X2.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colors as mcolors
from matplotlib import image as mimage
from typer.testing import CliRunner

import tiny
from borderflow import gis, maps
from borderflow.cli import app
from borderflow.data.scenario import closing
from borderflow.io import write_run
from borderflow.data.dataset import load_dataset
from borderflow.pipeline import run_scenario
from borderflow.present import labels as L
from borderflow.present.imagediff import compare_images

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("maps")
    tables = load_dataset(tiny.write(tmp / "data"), check_borders=False)
    base = run_scenario(tables)
    scen = run_scenario(tables, closing(["x1"]))
    write_run(tmp / "base", base.results, base.metadata())
    write_run(tmp / "no-x1", scen.results, scen.metadata())
    return {"base": base, "scen": scen, "dir": tmp}


def _has_colour(png: Path, hex_colour: str, tol: float = 0.03, at_least: int = 20) -> bool:
    img = mimage.imread(png)[..., :3]
    target = np.array(mcolors.to_rgb(hex_colour))
    return int((np.abs(img - target).max(axis=-1) < tol).sum()) >= at_least


def _not_blank(png: Path) -> None:
    img = mimage.imread(png)[..., :3]
    assert img.shape[0] > 400 and img.shape[1] > 400
    assert img.std() > 0.05
    assert len(np.unique((img * 255).astype(int).reshape(-1, 3), axis=0)) > 50


def test_static_flow_map(runs, tmp_path):
    out = maps.flow_map_png(gis.run_data(runs["base"]), tmp_path / "base.png")
    _not_blank(out)
    assert _has_colour(out, maps.MODE_COLOURS["road"])          # road flows drawn
    assert _has_colour(out, maps.COUNTRY_FILL["VN"], at_least=1000)  # the borders' fills
    delta = maps.flow_map_png(gis.run_data(runs["scen"]), tmp_path / "delta.png",
                              baseline=runs["base"].results)
    assert _has_colour(delta, maps.GAIN) and _has_colour(delta, maps.LOSS)
    assert not _has_colour(out, maps.GAIN)


def test_network_map_and_cli(runs, tmp_path):
    res = CliRunner().invoke(app, ["data", "map", "--data", str(runs["dir"] / "data"), "--out",
                                   str(tmp_path / "net.png")])
    assert res.exit_code == 0, res.output
    _not_blank(tmp_path / "net.png")
    assert _has_colour(tmp_path / "net.png", maps.STATUS_COLOURS["open"])
    res = CliRunner().invoke(app, ["map", str(runs["dir"] / "no-x1"), "--out",
                                   str(tmp_path / "m.png"), "--html", str(tmp_path / "m.html"),
                                   "--baseline", str(runs["dir"] / "base")])
    assert res.exit_code == 0, res.output
    _not_blank(tmp_path / "m.png")
    assert "Change vs baseline" in (tmp_path / "m.html").read_text(encoding="utf-8")


def test_html_map_is_self_contained(runs, tmp_path):
    out = maps.flow_map_html(gis.run_data(runs["scen"]), tmp_path / "m.html",
                             baseline=runs["base"].results)
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page), "external script left in the page"
    assert not re.search(r"<link[^>]+href=", page), "external stylesheet left in the page"
    assert "borderflow-asset:" not in page
    assert "Leaflet" in page and "L.control.layers" in page and "data:image/png;base64," in page
    for label in ("Country borders", "Baseline flows", "Scenario flows", "Change vs baseline"):
        assert label in page


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--no-first-run",
           f"--user-data-dir={profile}", "--window-size=1200,900",
           "--virtual-time-budget=5000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package "
                                             "'chromium'; .ci/run installs it)")
def test_html_map_renders_offline_in_headless_chromium(runs, tmp_path):
    run = gis.run_data(runs["scen"])
    out = maps.flow_map_html(run, tmp_path / "m.html", baseline=runs["base"].results)
    layers = gis.run_layers(run, runs["base"].results)
    dom = _chromium(["--dump-dom", out.as_uri()], tmp_path / "profile1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    classes = re.findall(r'<path[^>]*class="([^"]*)"', html)

    def count(css: str) -> int:
        return sum(css in c.split() for c in classes)

    moved = int((layers["links"]["flow_delta_trucks"].abs() > 0.5).sum()) + int(
        (layers["crossings"]["flow_delta_trucks"].abs() > 0.5).sum())
    assert count("bf-countries") == 6                 # the basemap's country polygons
    assert count("bf-network") == len(layers["links"])
    # with a baseline the map opens on the change; scenario and baseline flows are ticked on
    assert count("bf-delta") == moved > 0
    assert count("bf-scenario") == 0 and count("bf-baseline") == 0
    assert "leaflet-control-layers" in html and "bf-legend" in html
    # labels: the country names, the closed gate (a red X and its name), the market
    labels = re.findall(r'class="bf-label ([\w-]+)"[^>]*>([^<]*)<', html)
    assert ("bf-closed", "✕") in labels and ("bf-crossing", "X1 (closed)") in labels
    assert {"bf-country", "bf-market"} <= {kind for kind, _ in labels}
    shot = tmp_path / "shot.png"
    res = _chromium([f"--screenshot={shot}", out.as_uri()], tmp_path / "profile2")
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    _not_blank(shot)
    assert _has_colour(shot, maps.GAIN, tol=0.05) and _has_colour(shot, maps.LOSS, tol=0.05)
    assert _has_colour(shot, maps.COUNTRY_FILL["VN"], tol=0.02, at_least=1000)
    _matches_expected(shot, "html_change_map.png")


def _matches_expected(image: Path, name: str) -> None:
    """``image`` against ``tests/expected/<name>`` with the tolerant diff (blur, RMS);
    ``BORDERFLOW_UPDATE_EXPECTED=1`` rewrites the expected image (look at it first)."""
    expected = Path(__file__).parent / "expected" / name
    if os.environ.get("BORDERFLOW_UPDATE_EXPECTED") or not expected.exists():
        expected.parent.mkdir(exist_ok=True)
        shutil.copyfile(image, expected)
    diff = compare_images(expected, image)
    assert diff.passed, str(diff)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_map_without_baseline_opens_on_the_flows(runs, tmp_path):
    run = gis.run_data(runs["base"])
    out = maps.flow_map_html(run, tmp_path / "m.html")
    html = _chromium(["--dump-dom", out.as_uri()], tmp_path / "profile").stdout
    classes = re.findall(r'<path[^>]*class="([^"]*)"', html)
    n_links = int((gis.run_layers(run)["links"]["trucks"] > 1e-6).sum())
    assert sum("bf-scenario" in c.split() for c in classes) == n_links + 2  # + 2 crossings
    assert "bf-closed" not in html


def test_static_flow_map_matches_the_expected_image(runs, tmp_path):
    """The PNG of a closure against its baseline: labels placed, the closure a red X, the
    frame on the flows; compared with tests/expected/flow_change_map.png (tolerant diff)."""
    out = maps.flow_map_png(gis.run_data(runs["scen"]), tmp_path / "delta.png",
                            baseline=runs["base"].results)
    assert _has_colour(out, L.SYMBOLS["closed_by_scenario"]["color"])
    _matches_expected(out, "flow_change_map.png")


@pytest.mark.slow
@pytest.mark.skipif(not (Path(__file__).parents[1] / "data" / "default" / "links.csv").exists(),
                    reason="embedded dataset data/default not there yet")
def test_embedded_network_map(tmp_path):
    from borderflow.model.network import build_network

    net = build_network(load_dataset(check_borders=False))
    out = maps.network_map_png(net, tmp_path / "network.png")
    _not_blank(out)
    for colour in (maps.MODE_COLOURS["road"], maps.MODE_COLOURS["rail"],
                   maps.STATUS_COLOURS["open"]):
        assert _has_colour(out, colour)
