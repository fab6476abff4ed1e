"""GeoPackages that read right in QGIS: field aliases, units, layer descriptions, default
styles, a time field, a GeoPackage version every GDAL >= 2.3 reads without warnings, and the
same bytes for the same layers.

How each part is stored (GeoPackage 1.2 and the QGIS conventions):

- **Aliases and units**: ``gpkg_data_columns`` (the GeoPackage *schema* extension, registered in
  ``gpkg_extensions`` for ``gpkg_data_columns`` and ``gpkg_data_column_constraints``): ``name``
  is the alias with its unit (``"Trucks, side a to b (trucks/day)"``), ``description`` the
  meaning with its unit. GDAL writes these rows itself from the Arrow field metadata
  ``GDAL:OGR:alternative_name`` and ``GDAL:OGR:comment`` (GDAL >= 3.8), so the tables are exactly
  what GDAL and QGIS expect; GDAL >= 3.7 reads them back as the field's alternative name and
  comment, which QGIS shows as the alias.
- **Layer descriptions**: ``gpkg_contents.description`` (GDAL's ``DESCRIPTION`` layer creation
  option; ``ogrinfo`` shows it as the layer metadata item ``DESCRIPTION``).
- **Styles**: the ``layer_styles`` table with the columns QGIS creates (``f_table_catalog``,
  ``f_table_schema``, ``f_table_name``, ``f_geometry_column``, ``styleName``, ``styleQML``,
  ``styleSLD``, ``useAsDefault``, ``description``, ``owner``, ``ui``, ``update_time``; FID
  ``id``). QGIS loads a layer's row with ``f_table_schema = ''``, the layer's name and geometry
  column, preferring ``useAsDefault``; the QML is from :mod:`borderflow.present.qgis`.
- **Time**: the daily layer has a ``date`` field (GeoPackage DATE, for reading and filtering)
  and a ``time`` field (DATETIME, noon of that day, no time zone) that its QML names as the
  temporal field: ``<temporal enabled="1" mode="1" startField="time" fixedDuration="0">``, each
  feature an instant. QGIS selects the features of a frame with ``time >= frame start AND time
  < frame end``, so one-day frames show exactly one day. (A DATE field with a one-day event
  duration does not: QGIS 3.22 turns it into ``date > start - 1 day AND date < end`` and
  compares a date with a date-time so that each frame shows two days. Noon with no time zone
  falls inside the same calendar day however the project's time zone is set.)
- **Version**: GDAL >= 3.7 writes GeoPackage 1.4 by default (``PRAGMA user_version`` 10400);
  GDAL 3.6 (Debian 12) and older then warn "This version of GeoPackage user_version=0x000028A0
  (10400, v1.4.0) ... may only be partially supported". The dataset creation option
  ``VERSION=1.2`` writes ``application_id`` ``GPKG`` and ``user_version`` 10200, which GDAL
  reads silently since 2.3; nothing used here needs 1.3 or 1.4.
- **Same bytes**: GDAL stamps ``gpkg_contents.last_change`` with the current time unless its
  configuration option ``OGR_CURRENT_DATE`` is set; it is set to :data:`TIMESTAMP` while
  writing (and restored), and ``layer_styles.update_time`` gets the same value. The run's
  provenance is in its ``run.json``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio

from borderflow.present.fields import DAILY_FIELDS, FieldDoc, field_docs
from borderflow.present.qgis import default_styles

#: GeoPackage version written (see the module docstring)
GPKG_VERSION = "1.2"
#: gpkg_contents.last_change and layer_styles.update_time of every file written here
TIMESTAMP = "2000-01-01T00:00:00.000Z"
STYLES_TABLE = "layer_styles"
#: layer -> description of the layers made in this module
DAILY_DESCRIPTION = ("border crossings per day of a dated run: capacity, trucks and queue per "
                     "direction, closed days marked; time field 'time', noon of each day (QGIS "
                     "temporal controller: one day per frame)")


def _require_arrow_writer() -> None:
    if pyogrio.__gdal_version__ < (3, 8, 0):
        raise RuntimeError(
            f"writing field aliases needs GDAL >= 3.8 in pyogrio (found "
            f"{pyogrio.__gdal_version_string__}); install the pyogrio wheel from PyPI")


@contextlib.contextmanager
def fixed_timestamp(timestamp: str = TIMESTAMP) -> Iterator[None]:
    """Set GDAL's ``OGR_CURRENT_DATE`` for the duration of a block (restored after), so the
    GeoPackage driver writes ``timestamp`` as ``last_change``. Process-wide: do not write
    GeoPackages from other threads meanwhile."""
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def _geometry_type(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geom_type.dropna())
    return types.pop() if len(types) == 1 else "Unknown"


def arrow_table(df: pd.DataFrame, docs: Mapping[str, FieldDoc] | None = None) -> pa.Table:
    """A layer as an Arrow table whose fields carry GDAL's alias and comment metadata.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The layer (a GeoDataFrame's geometry becomes WKB with the ``geoarrow.wkb`` extension).
        Columns of ``datetime.date`` objects become Arrow ``date32`` (GeoPackage DATE).
    docs : mapping, optional
        Field -> :class:`FieldDoc`.

    Returns
    -------
    pyarrow.Table
        Without pandas schema metadata (so equal frames give equal bytes).
    """
    if isinstance(df, gpd.GeoDataFrame):
        table = pa.table(df.reset_index(drop=True).to_arrow(geometry_encoding="WKB"))
    else:
        table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    schema = table.schema.remove_metadata()
    for i, f in enumerate(schema):
        doc = (docs or {}).get(f.name)
        if doc is not None:
            meta = dict(f.metadata or {})
            meta.update({b"GDAL:OGR:alternative_name": doc.alias.encode(),
                         b"GDAL:OGR:comment": doc.comment.encode()})
            schema = schema.set(i, f.with_metadata(meta))
    return table.cast(schema)


def write_geopackage(layers: Mapping[str, pd.DataFrame], path: Path | str,
                     docs: Mapping[str, Mapping[str, FieldDoc]] | None = None,
                     descriptions: Mapping[str, str] | None = None,
                     styles: Mapping[str, str] | None = None,
                     timestamp: str = TIMESTAMP) -> Path:
    """Write layers to a new GeoPackage with aliases, descriptions and default styles.

    Parameters
    ----------
    layers : mapping
        Layer name -> GeoDataFrame (a spatial layer) or DataFrame (an attribute table such as
        ``data_dictionary``), written in this order.
    path : path
        The file to create; it must not exist (write to a temporary name and move it into
        place, as :func:`borderflow.io.atomic_write` does).
    docs : mapping, optional
        Layer -> field -> :class:`FieldDoc` (aliases and descriptions in
        ``gpkg_data_columns``).
    descriptions : mapping, optional
        Layer -> description (``gpkg_contents.description``).
    styles : mapping, optional
        Layer -> QML (see :mod:`borderflow.present.qgis`), stored by :func:`add_styles`.
    timestamp : str
        ISO 8601 UTC time written as ``last_change`` and ``update_time``.

    Returns
    -------
    Path

    Raises
    ------
    FileExistsError
        If ``path`` exists.
    RuntimeError
        If pyogrio's GDAL is older than 3.8 (no Arrow writer with field metadata).
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; write_geopackage creates a new file")
    _require_arrow_writer()
    with fixed_timestamp(timestamp):
        for name, df in layers.items():
            table = arrow_table(df, (docs or {}).get(name))
            opts = {"DESCRIPTION": (descriptions or {}).get(name, ""), "IDENTIFIER": name}
            if isinstance(df, gpd.GeoDataFrame):
                pyogrio.write_arrow(table, path, layer=name, driver="GPKG",
                                    geometry_name=df.geometry.name,
                                    geometry_type=_geometry_type(df),
                                    crs=df.crs.to_string() if df.crs else None,
                                    dataset_options={"VERSION": GPKG_VERSION},
                                    layer_options=opts)
            else:
                pyogrio.write_arrow(table, path, layer=name, driver="GPKG",
                                    geometry_type=None, geometry_name=None,
                                    dataset_options={"VERSION": GPKG_VERSION},
                                    layer_options=opts)
    if styles:
        add_styles(path, styles, timestamp=timestamp)
    return path


def export_geopackage(layers: Mapping[str, gpd.GeoDataFrame], path: Path | str,
                      field_info: Callable[[str], tuple[str, str, str]],
                      layer_info: Mapping[str, str],
                      tables: Mapping[str, pd.DataFrame] | None = None,
                      timestamp: str = TIMESTAMP) -> Path:
    """The borderflow GeoPackage: layers with aliases, units, descriptions and default QGIS
    styles, plus attribute tables (the data dictionary).

    Parameters
    ----------
    layers : mapping
        Layer name -> GeoDataFrame (:func:`borderflow.gis.run_layers`, and
        ``crossings_daily`` from :func:`crossings_daily` for a dated run).
    path : path
        New file (see :func:`write_geopackage`).
    field_info : callable
        Field -> ``(shapefile name, unit, meaning)`` (:func:`borderflow.gis.field_info`); the
        daily layer's own fields (:data:`borderflow.present.fields.DAILY_FIELDS`) are added.
    layer_info : mapping
        Layer -> description (:data:`borderflow.gis.LAYER_INFO`); ``crossings_daily`` gets
        :data:`DAILY_DESCRIPTION` unless given.
    tables : mapping, optional
        Attribute tables written after the layers (``data_dictionary``).
    timestamp : str
        See :func:`write_geopackage`.

    Returns
    -------
    Path
    """
    def info(field: str) -> tuple[str, str, str]:
        return DAILY_FIELDS[field] if field in DAILY_FIELDS else field_info(field)

    docs = {name: field_docs(df.columns, info) for name, df in layers.items()}
    styles: dict[str, str] = {}
    for name, df in layers.items():
        styles.update(default_styles({name: df}, {k: d.alias for k, d in docs[name].items()}))
    descriptions = {"crossings_daily": DAILY_DESCRIPTION, **layer_info}
    return write_geopackage({**layers, **(tables or {})}, path, docs=docs,
                            descriptions=descriptions, styles=styles, timestamp=timestamp)


def add_styles(path: Path | str, styles: Mapping[str, str], timestamp: str = TIMESTAMP,
               style_name: str = "borderflow") -> Path:
    """Store QGIS default styles in a GeoPackage's ``layer_styles`` table.

    Parameters
    ----------
    path : path
        An existing GeoPackage holding the styled layers.
    styles : mapping
        Layer name -> QML text.
    timestamp : str
        ``update_time`` of the rows.
    style_name : str
        ``styleName`` of the rows; a row of the same layer and name is replaced.

    Returns
    -------
    Path

    Raises
    ------
    KeyError
        If a styled layer is not in the GeoPackage.
    """
    path = Path(path)
    present = {str(n) for n, _ in pyogrio.list_layers(path)}
    rows = []
    for layer in styles:
        if layer not in present:
            raise KeyError(f"layer '{layer}' is not in {path}")
        geom = pyogrio.read_info(path, layer=layer).get("geometry_name") or ""
        rows.append({"f_table_catalog": "", "f_table_schema": "", "f_table_name": layer,
                     "f_geometry_column": geom, "styleName": style_name,
                     "styleQML": styles[layer], "styleSLD": "", "useAsDefault": True,
                     "description": f"borderflow default style of '{layer}'", "owner": "",
                     "ui": None, "update_time": pd.Timestamp(timestamp)})
    if not rows:
        return path
    exists = STYLES_TABLE in present
    if exists:
        with contextlib.closing(sqlite3.connect(path)) as con, con:
            con.executemany(f"DELETE FROM {STYLES_TABLE} WHERE f_table_name = ? AND "
                            "styleName = ?", [(r["f_table_name"], style_name) for r in rows])
    df = pd.DataFrame(rows)
    df["useAsDefault"] = df["useAsDefault"].astype(bool)
    df["ui"] = df["ui"].astype(object)
    with fixed_timestamp(timestamp):
        pyogrio.write_dataframe(df, path, layer=STYLES_TABLE, driver="GPKG", append=exists,
                                layer_options=None if exists else {
                                    "FID": "id",
                                    "DESCRIPTION": "QGIS default styles (QML) of the layers"})
    return path


# --------------------------------------------------------------------------- dated runs

def period_dates(start: dt.date | str, periods) -> dict[int, dt.date]:
    """Period -> date of a dated horizon starting on ``start`` (period 0)."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    return {int(p): start + dt.timedelta(days=int(p)) for p in periods}


def crossings_daily(crossings: gpd.GeoDataFrame, results_crossings: pd.DataFrame,
                    queues: pd.DataFrame, start: dt.date | str) -> gpd.GeoDataFrame:
    """One point per crossing and day of a dated run: capacity, trucks, tonnes, utilisation,
    queue and value of capacity per direction, with the day's ``date``.

    Parameters
    ----------
    crossings : GeoDataFrame
        The ``crossings`` layer (``crossing_id, name, ctry_a, ctry_b, status`` and points).
    results_crossings : DataFrame
        The run's ``crossings`` table (per crossing, direction and period).
    queues : DataFrame
        The run's ``queues`` table (``crossing_id, direction, period, queue_trucks``; empty
        for a static run).
    start : date or str
        First day of the horizon (period 0).

    Returns
    -------
    GeoDataFrame
        ``crossing_id, name, ctry_a, ctry_b, status, date, time, open, cap_ab, cap_ba,
        trk_ab, trk_ba, t_ab, t_ba, util, queue_ab, queue_ba, queue, value_ab, value_ba``
        (``time``: noon of ``date``, the layer's temporal field; value empty on days the
        direction is closed: no price), sorted by date and crossing.
    """
    cr = results_crossings.copy()
    cr["is_open"] = (cr["capacity_trucks_per_day"].astype(float) > 0) & cr.get(
        "available", pd.Series(True, index=cr.index)).astype(bool)
    cr["value"] = np.where(cr["is_open"], cr["dual_usd_per_truck"].astype(float), np.nan)
    wide = cr.pivot_table(index=["crossing_id", "period"], columns="direction",
                          values=["capacity_trucks_per_day", "flow_trucks", "flow_t",
                                  "utilisation", "value"], aggfunc="first", dropna=False)
    names = {"capacity_trucks_per_day": "cap", "flow_trucks": "trk", "flow_t": "t",
             "utilisation": "util", "value": "value"}
    wide.columns = [f"{names[v]}_{'ab' if d == 'a_to_b' else 'ba'}" for v, d in wide.columns]
    wide = wide.reset_index()
    for col in [f"{v}_{s}" for v in ("cap", "trk", "t", "util", "value") for s in ("ab", "ba")]:
        if col not in wide.columns:
            wide[col] = np.nan
    opened = cr.groupby(["crossing_id", "period"])["is_open"].any().rename("open")
    wide = wide.merge(opened.reset_index(), on=["crossing_id", "period"])
    if len(queues):
        q = queues.pivot_table(index=["crossing_id", "period"], columns="direction",
                               values="queue_trucks", aggfunc="sum")
        q.columns = [f"queue_{'ab' if d == 'a_to_b' else 'ba'}" for d in q.columns]
        wide = wide.merge(q.reset_index(), on=["crossing_id", "period"], how="left")
    for col in ("queue_ab", "queue_ba"):
        if col not in wide.columns:
            wide[col] = 0.0
    fill = ["cap_ab", "cap_ba", "trk_ab", "trk_ba", "t_ab", "t_ba", "util_ab", "util_ba",
            "queue_ab", "queue_ba"]
    wide[fill] = wide[fill].astype(float).fillna(0.0) + 0.0
    wide["util"] = wide[["util_ab", "util_ba"]].max(axis=1)
    wide["queue"] = wide["queue_ab"] + wide["queue_ba"]
    wide["open"] = wide["open"].astype("int32")
    dates = period_dates(start, wide["period"].unique())
    wide["date"] = [dates[int(p)] for p in wide["period"]]
    base = crossings[["crossing_id", "name", "ctry_a", "ctry_b", "status", "geometry"]]
    out = base.merge(wide, on="crossing_id", how="inner")
    cols = ["crossing_id", "name", "ctry_a", "ctry_b", "status", "date", "open", "cap_ab",
            "cap_ba", "trk_ab", "trk_ba", "t_ab", "t_ba", "util", "queue_ab", "queue_ba",
            "queue", "value_ab", "value_ba"]
    out["time"] = pd.to_datetime(out["date"]) + pd.Timedelta(hours=12)
    cols.insert(cols.index("date") + 1, "time")
    out = out.sort_values(["date", "crossing_id"], kind="stable", ignore_index=True)
    return gpd.GeoDataFrame(out[cols], geometry=out.geometry.to_numpy(), crs=crossings.crs)
