"""Writers of GIS layers: GeoPackage, GeoParquet, GeoJSON and Shapefile, each file atomically.

GeoPackage, GeoJSON and Shapefile are written through pyogrio (GDAL). GeoParquet is written with
geopandas/pyarrow (the GDAL bundled with pyogrio has no Parquet driver). A GeoPackage holds every
layer plus the ``data_dictionary`` table in one file, by QGIS conventions
(:func:`borderflow.present.geopackage.export_geopackage`: field aliases with units and
descriptions in ``gpkg_data_columns``, layer descriptions, default QGIS styles in
``layer_styles``, GeoPackage 1.2, the same bytes for the same layers); the other formats write
a folder with one file per layer and ``data_dictionary.csv``. Every file is written to a
temporary name in its folder and moved into place (:func:`borderflow.io.atomic_write`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from borderflow.io import atomic_write, write_csv

from .dictionary import LAYER_INFO, data_dictionary, field_info, shp_names

log = logging.getLogger("borderflow.gis")

#: format -> (GDAL driver or None for GeoParquet, file suffix)
FORMATS = {"gpkg": ("GPKG", ".gpkg"), "geoparquet": (None, ".parquet"),
           "geojson": ("GeoJSON", ".geojson"), "shp": ("ESRI Shapefile", ".shp")}


def _write_gpkg(layers: dict[str, gpd.GeoDataFrame], dictionary: pd.DataFrame,
                path: Path) -> Path:
    from borderflow.present.geopackage import export_geopackage

    return atomic_write(path, lambda tmp: export_geopackage(
        layers, tmp, field_info, LAYER_INFO, tables={"data_dictionary": dictionary}))


def _write_one(gdf: gpd.GeoDataFrame, path: Path, fmt: str) -> list[Path]:
    """One layer as one file (Shapefile: its sidecar files too), each moved into place."""
    if fmt == "geoparquet":
        return [atomic_write(path, lambda tmp: gdf.to_parquet(tmp, index=False))]
    driver = FORMATS[fmt][0]
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", dir=path.parent))
    try:
        data = gdf.rename(columns=shp_names([c for c in gdf.columns if c != "geometry"])) \
            if fmt == "shp" else gdf
        opts = {"ENCODING": "UTF-8"} if fmt == "shp" else {}
        pyogrio.write_dataframe(data, tmpdir / path.name, driver=driver, layer=path.stem,
                                layer_options=opts or None)
        written = []
        for part in sorted(tmpdir.iterdir()):
            target = path.parent / part.name
            os.replace(part, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def write_layers(layers: dict[str, gpd.GeoDataFrame], out_path: Path | str,
                 fmt: str = "gpkg") -> list[Path]:
    """Write layers and their data dictionary, each file atomically.

    Parameters
    ----------
    layers : dict
        Layer name -> GeoDataFrame (as from :func:`run_layers`).
    out_path : path
        ``gpkg``: the GeoPackage file (layers + ``data_dictionary`` table). Other formats: a
        folder receiving ``<layer>.parquet|.geojson|.shp`` and ``data_dictionary.csv``.
    fmt : {"gpkg", "geoparquet", "geojson", "shp"}

    Returns
    -------
    list of Path
        The files written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    out_path = Path(out_path)
    dictionary = data_dictionary(layers)
    if fmt == "gpkg":
        out_path.parent.mkdir(parents=True, exist_ok=True)
        return [_write_gpkg(layers, dictionary, out_path)]
    out_path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, gdf in layers.items():
        written += _write_one(gdf, out_path / f"{name}{FORMATS[fmt][1]}", fmt)
    written.append(write_csv(out_path / "data_dictionary.csv", dictionary))
    log.info("wrote %d files to %s", len(written), out_path)
    return written
