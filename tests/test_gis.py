"""GIS export: layers, fields, CRS, row counts and values, reopened from every written file.

Tiny network (tests/tiny.py): 200 t/day of durian = 10 trucks/day from O to M; via X1 costs
11 USD/t (12 h), via X2 16 USD/t (8 h); both crossings 100 trucks/day each way. The optimum sends
everything through X1: links l1 and l2 carry 10 trucks/day, l3 and l4 none, X1 is 10 %
used a->b. Closing X1 moves the 10 trucks to l3-X2-l4 and raises the cost by 5 USD/t x 200 t.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

import tiny
from borderflow import gis
from borderflow.cli import app
from borderflow.data.scenario import closing
from borderflow.io import write_run
from borderflow.data.dataset import load_dataset
from borderflow.pipeline import run_scenario, solve_counterfactual

DOCS = Path(__file__).parents[1] / "docs" / "gis.md"
DEFAULT = Path(__file__).parents[1] / "data" / "default"
TOL = 1e-6


@pytest.fixture
def tiny_runs(tmp_path):
    """Baseline and 'X1 closed' run folders of the tiny dataset, and the in-memory runs."""
    data = tiny.write(tmp_path / "data")
    tables = load_dataset(data, check_borders=False)
    base = run_scenario(tables)
    scen = run_scenario(tables, closing(["x1"]))
    write_run(tmp_path / "base", base.results, base.metadata())
    write_run(tmp_path / "no-x1", scen.results, scen.metadata())
    return {"data": data, "base": base, "scen": scen, "base_dir": tmp_path / "base",
            "scen_dir": tmp_path / "no-x1"}


def _by(gdf: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    return gdf.set_index(key)


def test_layers_of_the_tiny_optimum(tiny_runs):
    layers = gis.run_layers(gis.run_data(tiny_runs["base"]))
    assert list(layers) == list(gis.LAYERS)
    for gdf in layers.values():
        assert gdf.crs.to_epsg() == 4326
    links = _by(layers["links"], "link_id")
    assert links.loc[["l1", "l2"], "trucks"].tolist() == pytest.approx([10, 10])
    assert links.loc[["l3", "l4"], "trucks"].tolist() == pytest.approx([0, 0])
    assert links.loc["l1", "fwd_trucks"] == pytest.approx(10)
    assert links.loc["l2", "t_durian"] == pytest.approx(200)
    assert links.loc["l1", "cost_usd"] == pytest.approx(10 * 100)  # 10 trucks x 100 km x 1 USD
    # geometric length measured in UTM 48N: O (105.0, 21.0) -> A1 (105.5, 21.3) ~ 62 km
    assert 55 < links.loc["l1", "geom_km"] < 70
    cr = _by(layers["crossings"], "crossing_id")
    assert cr.loc["x1", "trk_ab"] == pytest.approx(10)
    assert cr.loc["x1", "util_ab"] == pytest.approx(0.1)
    assert cr.loc["x1", "cost_usd"] == pytest.approx(10 * 20)
    assert cr.loc["x2", "trucks"] == pytest.approx(0)
    assert set(cr["state"]) == {"open"} and cr["queue_pk"].eq(0).all()
    routes = layers["routes"]
    assert len(routes) == 1
    r = routes.iloc[0]
    assert r["crossings"] == "x1:a_to_b" and r["products"] == "durian"
    assert (r["flow_t"], r["hours"], r["cost_usd"], r["usd_per_t"]) == pytest.approx(
        (200, 12, 2200, 11))
    # O -> A1, the crossing point, B1 -> M: the links' geometries joined end to end
    xy = tiny.XY
    expected = [xy["vn-o"], xy["vn-a1"], (105.51, 21.31), xy["cn-b1"], xy["cn-m"]]
    assert np.asarray(r.geometry.coords).ravel() == pytest.approx(np.ravel(expected))
    o = layers["origins"].iloc[0]
    assert (o["supply_t"], o["shipped_t"], o["unserved_t"]) == pytest.approx((200, 200, 0))
    m = layers["markets"].iloc[0]
    assert (m["recv_t"], m["trucks"], m["revenue_usd"]) == pytest.approx((200, 10, 200_000))
    assert len(layers["nodes"]) == 6


def test_deltas_show_what_moved(tiny_runs):
    layers = gis.run_layers(gis.run_data(tiny_runs["scen"]), tiny_runs["base"].results)
    links = _by(layers["links"], "link_id")
    assert links.loc["l1", "flow_delta_trucks"] == pytest.approx(-10)
    assert links.loc["l3", "flow_delta_trucks"] == pytest.approx(10)
    assert links.loc["l3", "base_trucks"] == pytest.approx(0)
    cr = _by(layers["crossings"], "crossing_id")
    assert (cr.loc["x1", "state"], cr.loc["x1", "base_state"]) == ("closed", "open")
    assert cr.loc["x2", "flow_delta_trucks"] == pytest.approx(10)
    routes = _by(layers["routes"], "route_id")
    assert len(routes) == 2  # the baseline's route stays, with zero flow
    assert routes["flow_delta_t"].sum() == pytest.approx(0, abs=TOL)
    assert routes["cost_delta_usd"].sum() == pytest.approx(5 * 200)
    old = routes[routes["crossings"] == "x1:a_to_b"].iloc[0]
    assert (old["flow_t"], old["base_t"], old["products"]) == (0, pytest.approx(200), "")
    assert layers["origins"]["shipped_delta_t"].tolist() == pytest.approx([0])


def test_a_run_folder_draws_its_routes_from_its_route_arcs_table(tiny_runs):
    # the arcs of each route come from the run's own table: a folder gives the same routes
    # layer as the run in memory, also for the baseline's route kept with zero flow
    from_folder = gis.run_layers(gis.load_run(tiny_runs["scen_dir"]),
                                 gis.load_run(tiny_runs["base_dir"]))
    in_memory = gis.run_layers(gis.run_data(tiny_runs["scen"]), tiny_runs["base"].results)
    pd.testing.assert_frame_equal(pd.DataFrame(from_folder["routes"]),
                                  pd.DataFrame(in_memory["routes"]))
    arcs = tiny_runs["scen"].results.route_arcs
    assert set(arcs["route_id"]) == set(tiny_runs["scen"].results.route_flows["route_id"])


def test_a_run_folder_without_route_arcs_is_refused_with_a_clear_error(tiny_runs, tmp_path):
    from borderflow.data.errors import InputError

    for ext in ("csv", "parquet"):  # as written by a borderflow before the table existed
        (tiny_runs["base_dir"] / f"route_arcs.{ext}").unlink()
    with pytest.raises(InputError, match="no route_arcs table"):
        gis.load_run(tiny_runs["base_dir"])
    result = CliRunner().invoke(app, ["export", str(tiny_runs["base_dir"]), "--out",
                                      str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2 and "route_arcs" in result.output
    assert not (tmp_path / "x.gpkg").exists()


@pytest.mark.parametrize("fmt", ["gpkg", "geoparquet", "geojson", "shp"])
def test_every_format_reopens_with_layers_fields_crs_and_rows(tiny_runs, tmp_path, fmt):
    out = tmp_path / ("x.gpkg" if fmt == "gpkg" else "x")
    written = gis.export_run(tiny_runs["scen_dir"], out, fmt, baseline=tiny_runs["base_dir"])
    expected = gis.run_layers(gis.run_data(tiny_runs["scen"]), tiny_runs["base"].results)
    dictionary = gis.data_dictionary(expected)
    if fmt == "gpkg":
        assert written == [out]
        names = [name for name, _ in pyogrio.list_layers(out)]
        # and QGIS's default styles (borderflow.present.geopackage)
        assert sorted(names) == sorted([*gis.LAYERS, "data_dictionary", "layer_styles"])
        stored = gpd.read_file(out, layer="data_dictionary")
    else:
        assert all(p.parent == out for p in written)
        stored = pd.read_csv(out / "data_dictionary.csv")
    pd.testing.assert_frame_equal(stored.fillna(""), dictionary.fillna(""),
                                  check_dtype=False)
    for layer, exp in expected.items():
        if fmt == "gpkg":
            got = gpd.read_file(out, layer=layer)
        elif fmt == "geoparquet":
            got = gpd.read_parquet(out / f"{layer}.parquet")
        else:
            got = gpd.read_file(out / f"{layer}{gis.FORMATS[fmt][1]}")
        assert got.crs.to_epsg() == 4326
        assert len(got) == len(exp)
        fields = dictionary[(dictionary["layer"] == layer) & (dictionary["field"] != "geometry")]
        names = fields["shp_field" if fmt == "shp" else "field"].tolist()
        assert [c for c in got.columns if c != "geometry"] == names
        if fmt == "shp":
            assert all(len(n) <= 10 for n in names)
        key = names[0]
        a = got.sort_values(key, ignore_index=True)
        b = exp.sort_values(exp.columns[0], ignore_index=True)
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all()
        num = [c for c in exp.columns if c != "geometry" and pd.api.types.is_float_dtype(exp[c])]
        stored_as = dict(zip(fields["field"], names))
        got_num = a[[stored_as[c] for c in num]].to_numpy(dtype=float)
        assert got_num == pytest.approx(b[num].to_numpy(dtype=float), abs=1e-6)
    assert not [p for p in (out.parent if fmt == "gpkg" else out).iterdir()
                if p.name.startswith(".")], "temporary files left behind"


def test_export_finds_the_dataset_from_run_json_and_cli_writes_it(tiny_runs, tmp_path):
    res = CliRunner().invoke(app, ["export", str(tiny_runs["scen_dir"]), "--format", "geojson",
                                   "--baseline", str(tiny_runs["base_dir"])])
    assert res.exit_code == 0, res.output
    out = gis.default_out(tiny_runs["scen_dir"], "geojson")
    crossings = json.loads((out / "crossings.geojson").read_text())
    props = {f["properties"]["crossing_id"]: f["properties"] for f in crossings["features"]}
    assert props["x1"]["state"] == "closed" and props["x2"]["flow_delta_trucks"] == 10
    bad = CliRunner().invoke(app, ["export", str(tmp_path), "--format", "gpkg"])
    assert bad.exit_code == 2
    bad = CliRunner().invoke(app, ["export", str(tiny_runs["scen_dir"]), "--format", "kml"])
    assert bad.exit_code == 2


def test_solve_gis_writes_a_geopackage_with_deltas(tiny_runs, tmp_path, monkeypatch):
    from borderflow.data import dataset

    # the tiny crossings are not on the real border: skip that check, as solve_tiny does
    monkeypatch.setattr(dataset, "load_dataset",
                        lambda data, overlays, check_borders=True, **kw: load_dataset(
                            data, overlays, check_borders=False, **kw))
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "--data", str(tiny_runs["data"]), "--close", "x1",
                                   "--out", str(out), "--gis"])
    assert res.exit_code == 0, res.output
    links = gpd.read_file(gis.default_out(out, "gpkg"), layer="links").set_index("link_id")
    assert links.loc["l3", "flow_delta_trucks"] == pytest.approx(10)


def test_a_failed_write_keeps_the_previous_file(tiny_runs, tmp_path, monkeypatch):
    out = tmp_path / "gis" / "x.gpkg"
    layers = gis.run_layers(gis.run_data(tiny_runs["base"]))
    gis.write_layers(layers, out)
    before = out.read_bytes()
    calls = {"n": 0}
    real = pyogrio.write_arrow  # the GeoPackage writer writes each layer with it

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_arrow", flaky)
    with pytest.raises(OSError):
        gis.write_layers(layers, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.gpkg"]


def test_sweep_export_stacks_scenarios(tiny_runs, tmp_path):
    out = tmp_path / "sweep.gpkg"
    gis.export_sweep({"base": tiny_runs["base_dir"], "no-x1": tiny_runs["scen_dir"]}, out,
                     "gpkg")
    cr = gpd.read_file(out, layer="crossings")
    assert cr.columns[0] == "scenario"
    assert sorted(cr["scenario"].unique()) == ["base", "no-x1"]
    assert len(cr) == 4
    state = cr.set_index(["scenario", "crossing_id"])["state"]
    assert (state["base", "x1"], state["no-x1", "x1"]) == ("open", "closed")
    gis.export_sweep({"base": tiny_runs["base_dir"]}, tmp_path / "pq", "geoparquet")
    assert gpd.read_parquet(tmp_path / "pq" / "links.parquet")["scenario"].eq("base").all()


def test_sweep_geoparquet_carries_base_and_delta_fields(tiny_runs, tmp_path):
    """Each scenario compared with its baseline (as a sweep's plan.json names it) carries the
    baseline's values and the deltas; the baseline's own rows have them empty."""
    seen = []
    gis.export_sweep({"base": tiny_runs["base_dir"], "no-x1": tiny_runs["scen_dir"]},
                     tmp_path / "pq", "geoparquet", baselines={"no-x1": "base"},
                     on_progress=lambda *a: seen.append(a))
    links = gpd.read_parquet(tmp_path / "pq" / "links.parquet").set_index(
        ["scenario", "link_id"])
    assert links.loc[("no-x1", "l3"), "flow_delta_trucks"] == pytest.approx(10)
    assert links.loc[("no-x1", "l3"), "base_trucks"] == pytest.approx(0)
    assert links.loc["base", "flow_delta_trucks"].isna().all()
    cr = gpd.read_parquet(tmp_path / "pq" / "crossings.parquet").set_index(
        ["scenario", "crossing_id"])
    assert cr.loc[("no-x1", "x1"), "base_state"] == "open"
    assert [(s, d, t) for s, d, t, _ in seen if s == "export"] == [("export", 0, 2),
                                                                    ("export", 1, 2)]


def test_every_field_is_in_the_docs_data_dictionary():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_0-9]+)` \|", text, flags=re.M))
    assert set(gis.FIELDS) <= documented
    assert set(gis.LAYER_INFO) <= set(re.findall(r"`([a-z_]+)`", text))


def _embedded_ready() -> bool:
    return all((DEFAULT / f"{name}.csv").exists() for name in
               ("nodes", "links", "crossings", "products", "supply", "markets"))


@pytest.mark.slow
@pytest.mark.skipif(not _embedded_ready(), reason="embedded dataset data/default not there yet")
def test_embedded_dataset_export(tmp_path):
    tables = load_dataset()
    scen = run_scenario(tables, closing(["boten-mohan"]))
    base = solve_counterfactual(scen)
    layers = gis.run_layers(gis.run_data(scen), base)
    out = gis.write_layers(layers, tmp_path / "embedded.gpkg")[0]
    counts = {name: n for name, n in zip(*[pyogrio.list_layers(out)[:, 0], [
        pyogrio.read_info(out, layer=name)["features"] for name in pyogrio.list_layers(out)[:, 0]
    ]])}
    assert counts["nodes"] == len(tables.nodes)
    assert counts["links"] == len(tables.links)
    assert counts["crossings"] == len(tables.crossings)
    assert counts["origins"] == tables.supply["node_id"].nunique()
    assert counts["routes"] >= scen.results.route_flows["route_id"].nunique()
    cr = gpd.read_file(out, layer="crossings").set_index("crossing_id")
    assert cr.crs.to_epsg() == 4326
    assert cr.loc["boten-mohan", "state"] == "closed"
    assert cr.loc["boten-mohan", "trucks"] == pytest.approx(0)
    routes = gpd.read_file(out, layer="routes")
    via_boten = routes["crossings"].str.contains("boten-mohan:")
    assert via_boten.any() and routes.loc[via_boten, "flow_t"].eq(0).all()
    assert routes.loc[via_boten, "flow_delta_t"].sum() < 0
    links = gpd.read_file(out, layer="links")
    assert links["geom_km"].notna().all() and (links["geom_km"] >= 0).all()
