"""Map helpers (borderflow.present.labels) and the tolerant image diff (.imagediff).

``_flow_map`` below is how ``borderflow.maps.flow_map_png`` plugs the helpers in: frame from
:func:`fit_frame`, closures from :func:`draw_crossing_states`, labels from :func:`map_labels` and
:func:`place_labels` (called last, with the country names as obstacles). The expected image
``tests/expected/present_tiny_map.png`` is the tiny network with X1 closed by the scenario;
``BORDERFLOW_UPDATE_EXPECTED=1 pytest tests/test_present_maps.py`` rewrites it after a wanted
change (look at it before committing).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from borderflow.data.basemap import METRIC_CRS, load_countries
from borderflow.model.network import build_network
from matplotlib import colors as mcolors
from PIL import Image
from present_runs import write_runs
from shapely.geometry import Point

from borderflow import gis
from borderflow.data.dataset import load_dataset
from borderflow.present import labels as L
from borderflow.present.imagediff import compare_images

matplotlib.use("Agg")
EXPECTED = Path(__file__).parent / "expected" / "present_tiny_map.png"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return write_runs(tmp_path_factory.mktemp("maps"))


def _flow_map(layers: dict[str, gpd.GeoDataFrame], out: Path, size=(7.0, 5.6),
              flows: bool = True) -> L.Placement:
    m = {k: v.to_crs(METRIC_CRS) for k, v in layers.items()}
    links, cr = m["links"], m["crossings"]
    used = links[links["trucks"] > 1e-6]
    fig, ax = plt.subplots(figsize=size)
    bounds = L.fit_frame([used.geometry, cr.geometry, m["origins"].geometry,
                          m["markets"].geometry], pad=0.12, aspect=size[0] / size[1])
    countries = load_countries().to_crs(METRIC_CRS)
    countries.plot(ax=ax, color="#eef3e8", edgecolor="#6e6e6e", linewidth=0.9, zorder=0)
    links.plot(ax=ax, color="#c8c8c8", linewidth=0.6, zorder=2)
    if flows:
        used.plot(ax=ax, color="#d95f02", zorder=3,
                  linewidth=1 + 6 * used["trucks"] / used["trucks"].max())
    busy = cr[cr["trucks"] > 1e-6]
    ax.scatter(busy.geometry.x, busy.geometry.y, s=80, c=busy["util"], cmap="RdYlGn_r",
               vmin=0, vmax=1, edgecolor="black", zorder=6)
    handles = L.draw_crossing_states(ax, cr)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    avoid = np.array([[g.x, g.y] for g in cr.geometry])
    placed = L.place_labels(ax, L.map_labels(cr, m["origins"], m["markets"]), avoid_xy=avoid,
                            obstacles=list(ax.texts))
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return placed


def test_crossing_categories_tell_the_scenario_from_the_data():
    cr = pd.DataFrame({"status": ["open", "closed", "proposed", "upgraded", "open", "proposed"],
                       "state": ["closed", "closed", "closed", "reduced", "open", "open"]})
    assert L.crossing_categories(cr).tolist() == [
        "closed_by_scenario", "closed_in_data", "proposed", "reduced", "open", "open"]


def test_closures_get_distinct_symbols_and_legend_entries(tmp_path):
    cr = gpd.GeoDataFrame({"status": ["open", "closed", "proposed", "open"],
                           "state": ["closed", "closed", "closed", "reduced"]},
                          geometry=[Point(0, 0), Point(10, 0), Point(20, 0), Point(30, 0)])
    fig, ax = plt.subplots(figsize=(4, 2))
    handles = L.draw_crossing_states(ax, cr)
    ax.set_xlim(-5, 35)
    ax.set_ylim(-5, 5)
    labels = [h.get_label() for h in handles]
    assert labels == ["crossing closed by this scenario", "crossing closed (dataset status)",
                      "proposed crossing, not built in this run",
                      "capacity cut by this scenario on some days"]
    markers = {h.get_label(): (h.get_marker(), h.get_markerfacecolor()) for h in handles}
    assert len(set(markers.values())) == 4
    out = tmp_path / "states.png"
    fig.savefig(out, dpi=100)
    plt.close(fig)
    img = np.asarray(Image.open(out).convert("RGB"), float) / 255
    red = np.array(mcolors.to_rgb(L.SYMBOLS["closed_by_scenario"]["color"]))
    assert (np.abs(img - red).max(axis=-1) < 0.05).sum() > 20


def test_frame_fits_the_parts_and_the_axes():
    a = gpd.GeoSeries([Point(0, 0), Point(100, 50)])
    b = gpd.GeoSeries([Point(120, 10)])
    minx, miny, maxx, maxy = L.fit_frame([a, b, gpd.GeoSeries([], dtype="geometry")], pad=0.1)
    assert (minx, miny, maxx, maxy) == pytest.approx((-12, -12, 132, 62))
    framed = L.fit_frame([a, b], pad=0.1, aspect=1.0)
    assert framed[2] - framed[0] == pytest.approx(framed[3] - framed[1])
    assert framed[0] <= -12 and framed[2] >= 132
    with pytest.raises(ValueError):
        L.fit_frame([gpd.GeoSeries([], dtype="geometry")])


def test_labels_do_not_overlap_on_the_embedded_network(tmp_path):
    """Ma Lu Thang and Ban Vuoc (Lao Cai, 20 km apart) collided in the maps of issue 22."""
    net = build_network(load_dataset())
    cr = net.crossings.to_crs(METRIC_CRS)
    nodes = net.nodes.to_crs(METRIC_CRS)
    pair = {"ma-lu-thang-jinshuihe", "ba-sai-ban-vuoc"}
    labels = [L.Label(g.x, g.y, L.short_name(n), "busiest" if c in pair else "crossing")
              for c, n, g in zip(cr["crossing_id"], cr["name"], cr.geometry)]
    markets = nodes[nodes["kind"] == "market"]
    labels += [L.Label(g.x, g.y, L.short_name(n), "market")
               for n, g in zip(markets["name"], markets.geometry)]
    fig, ax = plt.subplots(figsize=(12.5, 10.5))
    bounds = L.fit_frame([cr.geometry, markets.geometry], aspect=12.5 / 10.5)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    ax.scatter(cr.geometry.x, cr.geometry.y, s=20)
    placed = L.place_labels(ax, labels, avoid_xy=np.c_[cr.geometry.x, cr.geometry.y])
    texts = {t.get_text() for t in placed.texts}
    assert L.overlapping_pairs(placed.texts) == []
    assert {"Ma Lu Thang–Jinshuihe", "Ban Vuoc–Ba Sa / Ba Sai"} <= texts
    assert len(placed.texts) + len(placed.dropped) == len(labels)
    assert len(placed.texts) >= 0.8 * len(labels)  # 63 of 65 when measured
    # nothing placed outside the frame
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for t in placed.texts:
        box = t.get_window_extent(renderer)
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, t.get_text()
    plt.close(fig)


def test_tiny_flow_map_matches_the_expected_image(runs, tmp_path):
    layers = gis.run_layers(gis.load_run(runs["no-x1"]))
    out = tmp_path / "tiny.png"
    placed = _flow_map(layers, out)
    texts = {t.get_text() for t in placed.texts}
    assert "X1 (closed)" in texts and {"CN-M", "VN-O"} <= texts  # market, origin labelled
    assert L.overlapping_pairs(placed.texts) == []
    if os.environ.get("BORDERFLOW_UPDATE_EXPECTED"):
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_bytes(out.read_bytes())
    diff = compare_images(EXPECTED, out)
    assert diff.passed, str(diff)
    again = tmp_path / "again.png"
    _flow_map(layers, again)
    assert compare_images(out, again, blur_px=0).rms == 0.0  # deterministic placement


def test_image_diff_tolerates_small_shifts_and_catches_missing_layers(runs, tmp_path):
    layers = gis.run_layers(gis.load_run(runs["no-x1"]))
    ref = tmp_path / "ref.png"
    _flow_map(layers, ref)
    img = Image.open(ref).convert("RGB")
    shifted = tmp_path / "shifted.png"
    Image.fromarray(np.roll(np.asarray(img), 1, axis=1)).save(shifted)
    small = compare_images(ref, shifted)
    assert small.passed and small.rms > 0
    bigger = tmp_path / "bigger.png"
    img.resize((img.width * 2, img.height * 2), Image.Resampling.LANCZOS).save(bigger)
    resized = compare_images(ref, bigger)
    assert resized.passed and resized.resized
    missing = tmp_path / "missing.png"
    _flow_map(layers, missing, flows=False)  # the flow layer forgotten
    bad = compare_images(ref, missing)
    assert not bad.passed and bad.diff_path is not None and bad.diff_path.exists()
    assert "differ" in str(bad) and bad.rms > 3 * small.rms
