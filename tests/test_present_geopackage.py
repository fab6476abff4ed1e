"""GeoPackages by QGIS conventions, read back by real clients: Debian's ``ogrinfo`` (GDAL 3.6,
as QGIS on Debian 12 reads them), GDAL's own ``validate_gpkg.py``, and pyogrio's newer GDAL.

Runs (tests/present_runs.py): the tiny static baseline and the dated run where X1 (20
trucks/day a->b) closes on 2024-01-02 and 2024-01-03, so its queue builds on those days.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import pytest
from present_runs import write_runs

from borderflow import gis
from borderflow.io import read_metadata
from borderflow.present import fields as F
from borderflow.present import geopackage as G
from borderflow.present import qgis as Q

OGRINFO = shutil.which("ogrinfo")
VALIDATOR = next((p for p in (
    Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"),
    Path("/usr/share/doc/python3-gdal/examples/validate_gpkg.py")) if p.exists()), None)
QGIS_PYTHON = "/usr/bin/python3"
QGIS_OPEN = Path(__file__).parent / "qgis_open.py"


def _has_qgis() -> bool:
    return Path(QGIS_PYTHON).exists() and subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False).returncode == 0


needs_qgis = pytest.mark.skipif(not _has_qgis(), reason="QGIS's Python bindings not installed "
                                                        "(Debian package python3-qgis; .ci/run "
                                                        "installs it)")
needs_ogrinfo = pytest.mark.skipif(OGRINFO is None, reason="ogrinfo not installed (Debian "
                                                           "package gdal-bin; .ci/run installs it)")


def _ogrinfo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([OGRINFO, "-ro", *args], capture_output=True, text=True, check=True,
                          timeout=120)


def _sql(path: Path, query: str) -> str:
    return _ogrinfo("-q", str(path), "-sql", query).stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return write_runs(tmp_path_factory.mktemp("gpkg"))


@pytest.fixture(scope="module")
def dated_layers(runs):
    run = gis.load_run(runs["dated"])
    layers = gis.run_layers(run)
    start = read_metadata(runs["dated"])["scenario"]["horizon"]["start"]
    daily = G.crossings_daily(layers["crossings"], run.results.crossings, run.results.queues,
                              start)
    return {**layers, "crossings_daily": daily}


@pytest.fixture(scope="module")
def gpkg(dated_layers, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "dated.gpkg"
    static = {k: v for k, v in dated_layers.items() if k != "crossings_daily"}
    return G.export_geopackage(dated_layers, out, gis.field_info, gis.LAYER_INFO,
                               tables={"data_dictionary": gis.data_dictionary(static)})


@pytest.fixture(scope="module")
def static_gpkg(runs, tmp_path_factory):
    """X1 closed by the scenario (static), with the baseline's values and deltas."""
    from borderflow.io import read_run

    layers = gis.run_layers(gis.load_run(runs["no-x1"]), read_run(runs["base"]))
    out = tmp_path_factory.mktemp("out") / "no-x1.gpkg"
    return G.export_geopackage(layers, out, gis.field_info, gis.LAYER_INFO)


def _qgis(path: Path, layers: str, *args: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([QGIS_PYTHON, str(QGIS_OPEN), str(path), layers, *args], env=env,
                       capture_output=True, text=True, timeout=300, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])["layers"]


def test_every_gis_field_has_a_full_name():
    for field in gis.FIELDS:
        assert F.title(field), field
    assert F.title("t_dragon_fruit") == "Tonnes of dragon fruit"
    doc = F.FieldDoc("Trucks, side a to b", "trucks/day", "trucks per day from side a to b")
    assert doc.alias == "Trucks, side a to b (trucks/day)"
    assert doc.comment == "trucks per day from side a to b [trucks/day]"
    assert F.FieldDoc("Crossing id", "-", "id").alias == "Crossing id"


def test_daily_layer_has_one_row_per_crossing_and_day(dated_layers):
    d = dated_layers["crossings_daily"]
    assert d.groupby("date").size().eq(2).all()  # x1 and x2 every day
    x1 = d[d["crossing_id"] == "x1"].set_index("date")
    closed = [str(k) for k, v in x1["open"].items() if v == 0]
    assert closed == ["2024-01-02", "2024-01-03"]
    # closed days have no price: the value of capacity is empty there
    assert x1.loc[x1["open"] == 0, ["value_ab", "value_ba"]].isna().all().all()
    assert x1.loc[x1["open"] == 1, "value_ab"].notna().all()
    # the queue the tiny model builds: about 10 trucks on 2024-01-03, gone on 2024-01-04
    q = {str(k): v for k, v in x1["queue"].items()}
    assert q["2024-01-03"] == pytest.approx(10.188, abs=1e-3) and q["2024-01-04"] == 0.0


@needs_ogrinfo
def test_ogrinfo_reads_it_without_a_version_warning(gpkg):
    out = _ogrinfo("-so", str(gpkg), "crossings")
    assert "Warning" not in out.stderr and "partially supported" not in out.stderr
    con = sqlite3.connect(gpkg)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10200


@needs_ogrinfo
def test_the_default_gdal_version_is_what_warned(tmp_path, dated_layers):
    """The cause of GDAL 3.6's warning: pyogrio's GDAL (>= 3.7) writes GeoPackage 1.4."""
    if pyogrio.__gdal_version__ < (3, 7, 0):
        pytest.skip("pyogrio's GDAL writes GeoPackage 1.2 by default")
    plain = tmp_path / "plain.gpkg"
    pyogrio.write_dataframe(dated_layers["nodes"], plain, layer="nodes", driver="GPKG")
    err = subprocess.run([OGRINFO, "-ro", "-so", str(plain), "nodes"], capture_output=True,
                         text=True, check=True).stderr
    version = subprocess.run([OGRINFO, "--version"], capture_output=True, text=True,
                             check=True).stdout
    if "GDAL 3.6" in version or "GDAL 3.5" in version or "GDAL 3.4" in version:
        assert "user_version=0x000028A0 (10400, v1.4.0)" in err


@needs_ogrinfo
def test_layer_descriptions_and_field_aliases_with_units(gpkg):
    info = _ogrinfo("-so", str(gpkg), "crossings").stdout
    assert f"DESCRIPTION={gis.LAYER_INFO['crossings']}" in info
    daily = _ogrinfo("-so", str(gpkg), "crossings_daily").stdout
    assert f"DESCRIPTION={G.DAILY_DESCRIPTION}" in daily
    rows = _sql(gpkg, "SELECT column_name, name, description FROM gpkg_data_columns "
                      "WHERE table_name = 'crossings' AND column_name = 'trk_ab'")
    assert "name (String) = Trucks, side a to b (trucks/day)" in rows
    assert "description (String) = trucks per day from side a to side b [trucks/day]" in rows
    ext = _sql(gpkg, "SELECT extension_name FROM gpkg_extensions "
                     "WHERE table_name = 'gpkg_data_columns'")
    assert "gpkg_schema" in ext
    fields = pyogrio.read_info(gpkg, layer="links")["fields"]
    n = _sql(gpkg, "SELECT COUNT(*) AS n FROM gpkg_data_columns WHERE table_name = 'links'")
    assert f"n (Integer) = {len(fields)}" in n  # every field documented


def test_newer_gdal_reads_the_aliases_as_alternative_names(gpkg):
    """GDAL >= 3.7 (pyogrio's) maps gpkg_data_columns to field alternative names/comments."""
    if pyogrio.__gdal_version__ < (3, 7, 0):
        pytest.skip("GDAL < 3.7 does not read field alternative names")
    _, table = pyogrio.read_arrow(gpkg, layer="crossings")
    meta = {f.name: f.metadata for f in table.schema}
    assert meta["util"][b"GDAL:OGR:alternative_name"] == b"Utilisation, busier direction (share)"
    assert meta["dual_ab"][b"GDAL:OGR:comment"].endswith(b"[USD/truck]")


@needs_ogrinfo
def test_default_styles_qgis_loads(gpkg):
    styles = _sql(gpkg, "SELECT f_table_schema, f_table_name, f_geometry_column, styleName, "
                        "useAsDefault FROM layer_styles ORDER BY f_table_name")
    for layer in ("links", "crossings", "routes", "origins", "markets", "nodes",
                  "crossings_daily"):
        assert f"f_table_name (String) = {layer}" in styles
    assert "f_geometry_column (String) = geom" in styles and "useAsDefault" in styles
    assert "useAsDefault (Integer(Boolean)) = 0" not in styles
    # the geometry column QGIS matches on is the layer's
    geom = _sql(gpkg, "SELECT DISTINCT column_name FROM gpkg_geometry_columns")
    assert "column_name (String) = geom" in geom
    con = sqlite3.connect(gpkg)
    qml = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    for layer, text in qml.items():
        root = ET.fromstring(text.split("\n", 1)[1])  # after the DOCTYPE line
        assert root.tag == "qgis" and root.find("renderer-v2") is not None, layer
    cr = ET.fromstring(qml["crossings"].split("\n", 1)[1])
    labels = [r.get("label") for r in cr.iter("rule")]
    assert {"closed by the scenario", "closed in the data",
            "proposed, not built in this run"} <= set(labels)
    links = ET.fromstring(qml["links"].split("\n", 1)[1]).find("renderer-v2")
    assert links.get("type") == "graduatedSymbol" and links.get("attr") == "flow_t"
    aliases = {a.get("field"): a.get("name") for a in cr.iter("alias")}
    assert aliases["trk_ab"] == "Trucks, side a to b (trucks/day)"


@needs_ogrinfo
def test_dated_layer_plays_in_the_temporal_controller(gpkg):
    schema = _ogrinfo("-so", str(gpkg), "crossings_daily").stdout
    assert "date: Date" in schema
    day = _ogrinfo("-q", str(gpkg), "crossings_daily", "-where",
                   "date = '2024-01-02' AND crossing_id = 'x1'").stdout
    assert "date (Date) = 2024/01/02" in day and "open (Integer) = 0" in day
    assert _ogrinfo("-so", "-where", "date = '2024-01-04'", str(gpkg),
                    "crossings_daily").stdout.count("Feature Count: 2") == 1
    qml = sqlite3.connect(gpkg).execute(
        "SELECT styleQML FROM layer_styles WHERE f_table_name = 'crossings_daily'").fetchone()[0]
    t = ET.fromstring(qml.split("\n", 1)[1]).find("temporal")
    assert t.get("enabled") == "1" and t.get("mode") == "1"
    assert (t.get("startField"), t.get("fixedDuration")) == ("time", "0")
    assert "time: DateTime" in schema


@pytest.mark.skipif(VALIDATOR is None, reason="GDAL's validate_gpkg.py not installed "
                                              "(Debian package python3-gdal)")
def test_gdal_validator_accepts_it(gpkg):
    r = subprocess.run(["/usr/bin/python3", str(VALIDATOR), str(gpkg)], capture_output=True,
                       text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_same_layers_same_bytes(dated_layers, tmp_path):
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    G.export_geopackage(dated_layers, a, gis.field_info, gis.LAYER_INFO)
    G.export_geopackage(dated_layers, b, gis.field_info, gis.LAYER_INFO)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # restored
    with pytest.raises(FileExistsError):
        G.write_geopackage({"nodes": dated_layers["nodes"]}, a)


def test_styles_replace_their_own_row(gpkg, tmp_path):
    copy = tmp_path / "copy.gpkg"
    shutil.copy(gpkg, copy)
    G.add_styles(copy, {"nodes": Q.nodes_style()})
    con = sqlite3.connect(copy)
    n = con.execute("SELECT COUNT(*) FROM layer_styles WHERE f_table_name = 'nodes'").fetchone()
    assert n[0] == 1
    with pytest.raises(KeyError, match="not in"):
        G.add_styles(copy, {"nowhere": Q.nodes_style()})


def test_class_breaks():
    assert Q.nice_breaks([1, 2, 3, 50, 400, 2400], 4) == [2.3, 27.0, 320.0, 2400.0]
    assert Q.nice_breaks([]) == [1.0]
    b = Q.nice_breaks(range(1, 1000))
    assert b == sorted(set(b)) and b[-1] >= 999



@needs_qgis
def test_qgis_opens_every_layer_styled_with_aliases(gpkg):
    seen = _qgis(gpkg, "links,crossings,routes,origins,markets,nodes")
    assert all(v["valid"] for v in seen.values())
    assert (seen["links"]["renderer"], seen["links"]["attr"]) == ("graduatedSymbol", "flow_t")
    assert seen["routes"]["renderer"] == "graduatedSymbol"
    cr = seen["crossings"]
    assert cr["renderer"] == "RuleRenderer" and cr["labels"]
    assert {"closed by the scenario", "closed in the data", "proposed, not built in this run",
            "95 % or more"} <= set(cr["rules"])
    assert cr["aliases"]["trk_ab"] == "Trucks, side a to b (trucks/day)"
    assert cr["aliases"]["dual_ab"] == "Value of extra capacity, side a to b (USD/truck)"


@needs_qgis
def test_qgis_temporal_controller_plays_one_day_per_frame(gpkg, tmp_path):
    days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    png = tmp_path / "frame.png"
    daily = _qgis(gpkg, "crossings_daily", str(png), *days)["crossings_daily"]
    assert daily["temporal"] == {"active": True, "mode": 1, "start_field": "time",
                                 "duration": 0.0}
    for day in days:
        rows = daily["frames"][day]
        assert sorted(r["crossing_id"] for r in rows) == ["x1", "x2"], day
        assert {r["date"] for r in rows} == {day}
    x1 = {d: next(r["open"] for r in rows if r["crossing_id"] == "x1")
          for d, rows in daily["frames"].items()}
    assert x1 == {"2024-01-01": 1, "2024-01-02": 0, "2024-01-03": 0, "2024-01-04": 1}
    assert png.exists()


@needs_qgis
def test_qgis_draws_the_scenario_closure_in_red(static_gpkg, tmp_path):
    import numpy as np
    from PIL import Image

    png = tmp_path / "no-x1.png"
    _qgis(static_gpkg, "crossings,links", str(png))
    img = np.asarray(Image.open(png).convert("RGB"), dtype=float) / 255
    red = np.array([0xd7, 0x19, 0x1c]) / 255
    assert (np.abs(img - red).max(axis=-1) < 0.08).sum() > 15  # the red X of X1
    assert img.std() > 0.05
