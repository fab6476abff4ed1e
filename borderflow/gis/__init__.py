"""Optimal flows as GIS layers: read runs, build layers, describe their fields, write them.

- :mod:`~borderflow.gis.runs`: what layers are drawn from (:func:`run_data` of a solved
  result, :func:`load_run` of a run folder);
- :mod:`~borderflow.gis.layers`: the layers (``nodes``, ``links``, ``crossings``, ``routes``,
  ``origins``, ``markets``), per day, with baseline values and deltas (:func:`run_layers`),
  and ``crossings_daily`` for a dated run (:func:`with_daily`);
- :mod:`~borderflow.gis.levers`: the scenario's response levers at their gates, with cost
  (:func:`with_levers`, layer ``levers``);
- :mod:`~borderflow.gis.dictionary`: every field's unit and meaning (:data:`FIELDS`,
  :func:`data_dictionary`);
- :mod:`~borderflow.gis.writers`: GeoPackage, GeoParquet, GeoJSON, Shapefile
  (:func:`write_layers`), each file atomically;
- :mod:`~borderflow.gis.export`: a run folder or a sweep folder exported in one call.

Geometry is EPSG:4326; lengths (``geom_km``) are measured in
:data:`borderflow.data.basemap.METRIC_CRS`. docs/gis.md describes every layer and field.
"""

from .dictionary import CRS, FIELDS, LAYER_INFO, PRODUCT_PREFIX, data_dictionary, field_info
from .export import default_out, export_folder, export_run, export_sweep
from .layers import (LAYERS, crossings_layer, links_layer, markets_layer, nodes_layer,
                     origins_layer, route_arcs_table, routes_layer, run_layers, with_daily)
from .levers import levers_layer, with_levers
from .runs import RunData, load_run, run_data
from .writers import FORMATS, write_layers

__all__ = ["CRS", "FIELDS", "FORMATS", "LAYERS", "LAYER_INFO", "PRODUCT_PREFIX", "RunData",
           "crossings_layer", "data_dictionary", "default_out", "export_folder", "export_run",
           "export_sweep", "field_info", "levers_layer", "links_layer", "load_run", "markets_layer",
           "nodes_layer", "origins_layer", "route_arcs_table", "routes_layer", "run_data",
           "run_layers", "with_daily", "with_levers", "write_layers"]
