"""QGIS layer styles (QML) for borderflow's GIS layers, stored in the GeoPackage so a layer
opens styled.

QGIS keeps styles in a GeoPackage's ``layer_styles`` table (written by
:func:`borderflow.present.geopackage.add_styles`); when a layer is added, QGIS loads the row
whose ``f_table_name`` and ``f_geometry_column`` match it, preferring ``useAsDefault``. The row's
``styleQML`` is a QML document: the renderer, labels, field aliases and, since QGIS 3.14, the
layer's temporal properties (``<temporal>``) which the temporal controller reads.

Styles made here:

- ``links``: graduated by tonnes per day (``flow_t``), wider and darker with more tonnes, links
  without flow thin and grey;
- ``crossings``: rule-based: open crossings by utilisation (green to red, size by trucks/day),
  unused ones hollow, and three distinct closures: closed **by the scenario** (red filled X),
  **closed in the data** (grey X), **proposed** and not built (hollow dashed diamond); a
  crossing whose capacity the scenario cut on some days gets an orange ring;
- ``routes``: graduated by tonnes per day; ``origins`` and ``markets``: sized by tonnes;
  ``nodes``: small grey points;
- ``crossings_daily`` (dated runs): one feature per crossing and day, queue size by colour and
  size, closed days as red X, with temporal properties (an instant at noon of each day, field
  ``time``) so the temporal controller plays the queue in one-day steps.

The QML follows the structure QGIS 3.x writes (``renderer-v2``, ``RuleRenderer``,
``graduatedSymbol``); symbol layer properties are written both as ``<Option>`` maps (read by
QGIS >= 3.18) and as ``<prop>`` elements (older QGIS).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

#: QGIS version written in the QML header (the structure is that of QGIS 3.x)
QGIS_VERSION = "3.28.0-Firenze"
MODE_COLOURS = {"road": "#d95f02", "rail": "#7570b3", "transfer": "#1b9e77"}
#: utilisation classes: (lower, upper, colour, label)
UTIL_CLASSES = ((0.0, 0.5, "#1a9850", "under 50 % used"), (0.5, 0.8, "#a6d96a", "50-80 % used"),
                (0.8, 0.95, "#fdae61", "80-95 % used"), (0.95, 10.0, "#d73027", "95 % or more"))
SCENARIO_CLOSED = "#d7191c"
DATA_CLOSED = "#4d4d4d"
PROPOSED = "#9e9e9e"
REDUCED = "#ff7f00"
#: trucks/day under which a crossing counts as unused in the styles
UNUSED_TRUCKS = 0.05


def _rgba(colour: str, alpha: float = 1.0) -> str:
    c = colour.lstrip("#")
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _props(layer: ET.Element, props: Mapping[str, str]) -> None:
    opt = ET.SubElement(layer, "Option", type="Map")
    for k in sorted(props):
        ET.SubElement(opt, "Option", name=k, value=str(props[k]), type="QString")
    for k in sorted(props):
        ET.SubElement(layer, "prop", k=k, v=str(props[k]))


def _data_defined(layer: ET.Element, properties: Mapping[str, str]) -> None:
    """Data-defined properties (expression-based, QgsProperty type 3) of a symbol layer."""
    dd = ET.SubElement(layer, "data_defined_properties")
    opt = ET.SubElement(dd, "Option", type="Map")
    ET.SubElement(opt, "Option", name="name", value="", type="QString")
    props = ET.SubElement(opt, "Option", name="properties", type="Map")
    for key in sorted(properties):
        p = ET.SubElement(props, "Option", name=key, type="Map")
        ET.SubElement(p, "Option", name="active", value="true", type="bool")
        ET.SubElement(p, "Option", name="expression", value=properties[key], type="QString")
        ET.SubElement(p, "Option", name="type", value="3", type="int")
    ET.SubElement(opt, "Option", name="type", value="collection", type="QString")


def line_symbol(name: str, colour: str, width_mm: float, style: str = "solid",
                alpha: float = 1.0) -> ET.Element:
    """A QGIS line symbol (one SimpleLine layer, width in mm)."""
    sym = ET.Element("symbol", type="line", name=name, alpha=f"{alpha:g}", clip_to_extent="1",
                     force_rhr="0")
    layer = ET.SubElement(sym, "layer", attrib={"class": "SimpleLine", "pass": "0",
                                                "locked": "0", "enabled": "1"})
    _props(layer, {"line_color": _rgba(colour), "line_width": f"{width_mm:g}",
                   "line_width_unit": "MM", "line_style": style, "capstyle": "round",
                   "joinstyle": "round", "offset": "0", "offset_unit": "MM"})
    return sym


def marker_symbol(name: str, shape: str, fill: str, outline: str = "#000000",
                  size_mm: float = 3.0, outline_width_mm: float = 0.3,
                  outline_style: str = "solid", angle: float = 0.0, fill_alpha: float = 1.0,
                  size_expression: str | None = None) -> ET.Element:
    """A QGIS marker symbol (one SimpleMarker layer).

    Parameters
    ----------
    name : str
        Symbol key (the renderer refers to it).
    shape : str
        QGIS simple marker name: ``circle``, ``square``, ``diamond``, ``cross2`` (an X of
        lines), ``cross_fill`` (a filled cross; at 45 degrees a filled X) ...
    fill, outline : str
        Colours ``#rrggbb``.
    size_mm, outline_width_mm : float
    outline_style : str
        ``solid``, ``dash``, ``dot`` ...
    angle : float
        Rotation in degrees.
    fill_alpha : float
        Opacity of the fill (0: hollow).
    size_expression : str, optional
        A QGIS expression for the size in mm (data-defined).
    """
    sym = ET.Element("symbol", type="marker", name=name, alpha="1", clip_to_extent="1",
                     force_rhr="0")
    layer = ET.SubElement(sym, "layer", attrib={"class": "SimpleMarker", "pass": "0",
                                                "locked": "0", "enabled": "1"})
    _props(layer, {"name": shape, "color": _rgba(fill, fill_alpha),
                   "outline_color": _rgba(outline), "outline_width": f"{outline_width_mm:g}",
                   "outline_width_unit": "MM", "outline_style": outline_style,
                   "size": f"{size_mm:g}", "size_unit": "MM", "angle": f"{angle:g}",
                   "scale_method": "diameter", "joinstyle": "miter"})
    if size_expression:
        _data_defined(layer, {"size": size_expression})
    return sym


def graduated_renderer(attr: str, classes: Sequence[tuple[float, float, str, ET.Element]]
                       ) -> ET.Element:
    """A graduated renderer on ``attr``: ``(lower, upper, label, symbol)`` per class (a value
    falls in a class when ``lower < v <= upper``; the first class includes its lower end)."""
    r = ET.Element("renderer-v2", type="graduatedSymbol", attr=attr,
                   graduatedMethod="GraduatedColor", symbollevels="0", forceraster="0",
                   enableorderby="0", referencescale="-1")
    ranges = ET.SubElement(r, "ranges")
    symbols = ET.SubElement(r, "symbols")
    for k, (lo, hi, label, sym) in enumerate(classes):
        ET.SubElement(ranges, "range", lower=f"{lo:.6f}", upper=f"{hi:.6f}", symbol=str(k),
                      label=label, render="true")
        sym.set("name", str(k))
        symbols.append(sym)
    ET.SubElement(r, "mode", name="manual")
    ET.SubElement(r, "rotation")
    ET.SubElement(r, "sizescale")
    return r


def rule_renderer(key: str, rules: Sequence[tuple[str, str, ET.Element]]) -> ET.Element:
    """A rule-based renderer: ``(label, filter expression, symbol)`` per rule, drawn in
    order (later rules on top). ``key`` prefixes the rules' keys (stable, so equal inputs give
    equal bytes)."""
    r = ET.Element("renderer-v2", type="RuleRenderer", symbollevels="0", forceraster="0",
                   enableorderby="0", referencescale="-1")
    root = ET.SubElement(r, "rules", key=f"{{{key}-root}}")
    symbols = ET.SubElement(r, "symbols")
    for k, (label, expr, sym) in enumerate(rules):
        ET.SubElement(root, "rule", key=f"{{{key}-{k}}}", filter=expr, symbol=str(k),
                      label=label)
        sym.set("name", str(k))
        symbols.append(sym)
    return r


def labeling(field: str, size_pt: float = 8.0, colour: str = "#282828",
             placement: int = 6, distance_mm: float = 1.2) -> ET.Element:
    """Simple labels from ``field`` with a white halo (QGIS places them without overlap;
    ``placement`` 6: ordered positions around a point, 2: along a line)."""
    lab = ET.Element("labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    ts = ET.SubElement(settings, "text-style", fieldName=field, isExpression="0",
                       fontSize=f"{size_pt:g}", fontSizeUnit="Point",
                       textColor=_rgba(colour), textOpacity="1", fontWeight="50",
                       namedStyle="Regular", fontFamily="Sans Serif")
    ET.SubElement(ts, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
                  bufferColor=_rgba("#ffffff"), bufferOpacity="0.85", bufferJoinStyle="128",
                  bufferNoFill="1")
    ET.SubElement(settings, "placement", placement=str(placement), dist=f"{distance_mm:g}",
                  distUnits="MM", priority="5")
    ET.SubElement(settings, "rendering", obstacle="1", displayAll="0", upsidedownLabels="0")
    return lab


def temporal(field: str = "time", duration_days: float = 0.0, enabled: bool = True
             ) -> ET.Element:
    """Temporal properties: each feature is an event at its ``field`` date-time lasting
    ``duration_days`` (QGIS mode 1, "single field with date/time"; 0: an instant, selected by
    ``field >= frame start AND field < frame end``)."""
    t = ET.Element("temporal", enabled="1" if enabled else "0", mode="1", startField=field,
                   endField="", startExpression="", endExpression="", durationField="",
                   durationUnit="d", fixedDuration=f"{duration_days:g}", accumulate="0",
                   limitMode="0")
    rng = ET.SubElement(t, "fixedRange")
    ET.SubElement(rng, "start")
    ET.SubElement(rng, "end")
    return t


def qml(renderer: ET.Element, aliases: Mapping[str, str] | None = None,
        fields: Sequence[str] = (), labels: ET.Element | None = None,
        time: ET.Element | None = None) -> str:
    """A QML document (what ``layer_styles.styleQML`` holds).

    Parameters
    ----------
    renderer : Element
        From :func:`graduated_renderer` or :func:`rule_renderer`.
    aliases : mapping, optional
        Field -> alias (also stored in ``gpkg_data_columns``; repeated here for QGIS builds
        whose GDAL does not read them).
    fields : sequence of str
        The layer's fields in order (the alias index).
    labels : Element, optional
        From :func:`labeling`.
    time : Element, optional
        From :func:`temporal`.

    Returns
    -------
    str
    """
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="AllStyleCategories",
                      labelsEnabled="1" if labels is not None else "0",
                      hasScaleBasedVisibilityFlag="0", minScale="100000000", maxScale="0")
    if time is not None:
        root.append(time)
    root.append(renderer)
    if labels is not None:
        root.append(labels)
    if aliases:
        al = ET.SubElement(root, "aliases")
        for k, f in enumerate(fields):
            if f in aliases:
                ET.SubElement(al, "alias", field=f, index=str(k), name=aliases[f])
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


# --------------------------------------------------------------------------- class breaks

def nice_breaks(values: Iterable[float], k: int = 5) -> list[float]:
    """Upper bounds of up to ``k`` classes for positive values: quantiles rounded to two
    significant digits, the last one the maximum (rounded up), strictly increasing.

    Examples
    --------
    >>> nice_breaks([1, 2, 3, 50, 400, 2400], 4)
    [2.3, 27.0, 320.0, 2400.0]
    """
    v = np.asarray([x for x in values if x is not None and np.isfinite(x) and x > 0], float)
    if v.size == 0:
        return [1.0]
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
    out: list[float] = []
    for q in qs:
        mag = 10 ** (math.floor(math.log10(q)) - 1) if q > 0 else 1.0
        b = math.ceil(q / mag) * mag
        b = float(f"{b:.6g}")
        if not out or b > out[-1]:
            out.append(b)
    return out


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:,.1f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- layer styles

def links_style(flow_t: Iterable[float], aliases=None, fields=()) -> str:
    """``links``: graduated by ``flow_t`` (t/day), 0.25 to 2.6 mm wide, yellow to dark red;
    links without flow thin and grey; no labels (road numbers clutter the overview; QGIS users
    switch them on with the field ``road``)."""
    breaks = nice_breaks(flow_t)
    colours = ["#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026"]
    classes = [(0.0, 0.5, "no flow (under 0.5 t/day)", line_symbol("", "#bdbdbd", 0.2))]
    lo = 0.5
    for k, hi in enumerate(breaks):
        hi = max(hi, lo + 0.5)
        colour = colours[round(k * 4 / max(len(breaks) - 1, 1))]
        classes.append((lo, hi, f"{_fmt(lo)}–{_fmt(hi)} t/day",
                        line_symbol("", colour, 0.5 + 2.1 * (k + 1) / len(breaks))))
        lo = hi
    return qml(graduated_renderer("flow_t", classes), aliases, fields)


def routes_style(flow_t: Iterable[float], aliases=None, fields=()) -> str:
    """``routes``: graduated by ``flow_t`` (t/day), semi-transparent purple lines."""
    breaks = nice_breaks(flow_t, 4)
    classes, lo = [], 0.0
    for k, hi in enumerate(breaks):
        classes.append((lo, hi, f"{_fmt(lo)}–{_fmt(hi)} t/day",
                        line_symbol("", "#6a51a3", 0.4 + 2.0 * (k + 1) / len(breaks),
                                    alpha=0.7)))
        lo = hi
    return qml(graduated_renderer("flow_t", classes), aliases, fields)


def crossings_style(trucks: Iterable[float], aliases=None, fields=()) -> str:
    """``crossings``: rule-based on ``status`` (dataset), ``state`` (this run), ``util`` and
    ``trucks`` (see the module docstring); sizes scale with the square root of trucks/day."""
    vmax = max([float(t) for t in trucks if t is not None and np.isfinite(t)] + [1.0])
    size = f'scale_exp("trucks", 0, {vmax:.6g}, 2.4, 9, 0.5)'
    open_ = f"\"state\" <> 'closed' AND \"trucks\" >= {UNUSED_TRUCKS}"
    rules = [
        ("unused (open, no trucks)",
         f"\"state\" <> 'closed' AND \"trucks\" < {UNUSED_TRUCKS}",
         marker_symbol("", "circle", "#ffffff", "#555555", 2.0, 0.3)),
        *[(label, f"{open_} AND \"util\" >= {lo:g} AND \"util\" < {hi:g}",
           marker_symbol("", "circle", colour, "#000000", 3.0, 0.3, size_expression=size))
          for lo, hi, colour, label in UTIL_CLASSES],
        ("capacity cut by the scenario on some days", "\"state\" = 'reduced'",
         marker_symbol("", "circle", "#ffffff", REDUCED, 5.0, 0.7, fill_alpha=0.0,
                       size_expression=f"{size} + 1.6")),
        ("proposed, not built in this run",
         "\"state\" = 'closed' AND \"status\" = 'proposed'",
         marker_symbol("", "diamond", "#ffffff", PROPOSED, 3.2, 0.4, outline_style="dash",
                       fill_alpha=0.0)),
        ("closed in the data", "\"state\" = 'closed' AND \"status\" = 'closed'",
         marker_symbol("", "cross2", DATA_CLOSED, DATA_CLOSED, 3.2, 0.6)),
        ("closed by the scenario",
         "\"state\" = 'closed' AND \"status\" NOT IN ('closed', 'proposed')",
         marker_symbol("", "cross_fill", SCENARIO_CLOSED, "#ffffff", 4.6, 0.3, angle=45)),
    ]
    return qml(rule_renderer("bf-crossings", rules), aliases, fields, labeling("name"))


def points_style(field: str, colour: str, shape: str, values: Iterable[float],
                 unit: str = "t/day", aliases=None, fields=()) -> str:
    """``origins`` or ``markets``: one symbol sized by ``field`` (square root), labelled by
    name."""
    vmax = max([float(v) for v in values if v is not None and np.isfinite(v)] + [1.0])
    sym = marker_symbol("", shape, colour, "#333333", 2.5, 0.3,
                        size_expression=f'scale_exp("{field}", 0, {vmax:.6g}, 1.8, 7, 0.5)')
    rules = [(f"sized by {field} ({unit})", "", sym)]
    return qml(rule_renderer(f"bf-{field}", rules), aliases, fields, labeling("name", 8))


def nodes_style(aliases=None, fields=()) -> str:
    """``nodes``: small grey points."""
    rules = [("node", "", marker_symbol("", "circle", "#9e9e9e", "#616161", 1.2, 0.15))]
    return qml(rule_renderer("bf-nodes", rules), aliases, fields)


#: queue classes of the daily layer: (lower, upper, colour, label), trucks waiting
QUEUE_CLASSES = ((0.5, 50, "#fdd49e", "under 50 trucks waiting"),
                 (50, 200, "#fc8d59", "50-200 trucks waiting"),
                 (200, 1000, "#d7301f", "200-1,000 trucks waiting"),
                 (1000, 1e12, "#7f0000", "1,000 or more trucks waiting"))


def crossings_daily_style(aliases=None, fields=()) -> str:
    """``crossings_daily``: queue by colour and size, closed days as red X, flowing gates as
    small circles; temporal: each feature an instant at its ``time`` (noon of its date)."""
    rules = [("open, no queue", "\"open\" = 1 AND \"queue\" < 0.5",
              marker_symbol("", "circle", "#ffffff", "#555555", 1.8, 0.3)),
             *[(label, f"\"queue\" >= {lo:g} AND \"queue\" < {hi:g}",
                marker_symbol("", "circle", colour, "#000000", 3.0, 0.3,
                              size_expression='scale_exp("queue", 0, 3000, 3, 12, 0.5)'))
               for lo, hi, colour, label in QUEUE_CLASSES],
             ("closed this day", "\"open\" = 0",
              marker_symbol("", "cross_fill", SCENARIO_CLOSED, "#ffffff", 4.0, 0.3,
                            angle=45))]
    return qml(rule_renderer("bf-daily", rules), aliases, fields, labeling("name", 7),
               time=temporal("time"))


def default_styles(layers: Mapping[str, object], aliases: Mapping[str, str] | None = None
                   ) -> dict[str, str]:
    """Default QML of every borderflow layer present in ``layers`` (name -> GeoDataFrame).

    Parameters
    ----------
    layers : mapping
        Layer name -> DataFrame with the fields of :mod:`borderflow.gis` (and
        ``crossings_daily`` from :func:`borderflow.present.geopackage.crossings_daily`).
    aliases : mapping, optional
        Field -> alias, repeated in each QML.

    Returns
    -------
    dict
        Layer name -> QML text, for the layers this module styles.
    """
    out: dict[str, str] = {}
    for name, df in layers.items():
        fields = [c for c in df.columns if c != "geometry"]
        kw = {"aliases": aliases, "fields": fields}
        if name == "links":
            out[name] = links_style(df["flow_t"], **kw)
        elif name == "routes":
            out[name] = routes_style(df["flow_t"], **kw)
        elif name == "crossings":
            out[name] = crossings_style(df["trucks"], **kw)
        elif name == "origins":
            out[name] = points_style("shipped_t", "#33a02c", "circle", df["shipped_t"], **kw)
        elif name == "markets":
            out[name] = points_style("recv_t", "#1f78b4", "square", df["recv_t"], **kw)
        elif name == "nodes":
            out[name] = nodes_style(**kw)
        elif name == "crossings_daily":
            out[name] = crossings_daily_style(**kw)
        elif name == "levers":
            out[name] = points_style("cost_usd_day", "#ff7f00", "star", df["cost_usd_day"],
                                     "USD/day", **kw)
    return out
