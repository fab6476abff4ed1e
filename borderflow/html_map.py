"""The interactive map of a run: a Leaflet map written with folium, self-contained (Leaflet's
JavaScript, CSS and images inlined from ``borderflow/assets``, BSD-2, see ``assets/LICENSES``),
so the file opens with no network access.

Layers (layer control, top right): country borders, the network, the scenario's flows, with a
baseline the baseline's flows and the change, the scenario's response levers (orange rings,
their cost in the tooltip), and labels. With a baseline the map opens on the change. Colours
and the country fills are those of the static maps (:mod:`borderflow.maps`).
"""

from __future__ import annotations

import base64
import html
import math
import re
from importlib import resources
from pathlib import Path

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template
import matplotlib
from matplotlib import colors as mcolors

from borderflow.data.basemap import load_countries
from borderflow.gis import RunData, crossings_layer, links_layer, run_layers, with_levers
from borderflow.io import atomic_write
from borderflow.maps import _EPS, COUNTRY_FILL, GAIN, LOSS, MODE_COLOURS, UTIL_CMAP
from borderflow.model.network import FreightNetwork
from borderflow.model.results import ResultTables
from borderflow.present import labels as L
from borderflow.uncertainty.map_chart import HeadlineChart
from borderflow.uncertainty.run_bands import gate_band_rows, legend_line

_ASSET_JS = ("leaflet/leaflet.js",)
_ASSET_CSS = ("leaflet/leaflet.css",)


# --------------------------------------------------------------------------- interactive map

def _asset(name: str) -> bytes:
    return (resources.files("borderflow") / "assets" / name).read_bytes()


def _inline_css(name: str) -> str:
    css = _asset(name).decode("utf-8")
    folder = name.rsplit("/", 1)[0]

    def data_uri(m: re.Match) -> str:
        try:
            raw = _asset(f"{folder}/{m.group(1)}")
        except FileNotFoundError:
            return m.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(raw).decode('ascii')})"

    return re.sub(r"url\((images/[^)]+\.png)\)", data_uri, css)


def _tooltip(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right;padding-left:8px'>"
                   f"<b>{html.escape(v)}</b></td></tr>" for k, v in rows)
    return f"<b>{html.escape(title)}</b><table>{body}</table>"


def _link_tooltip(r, value: str, label: str) -> str:
    return _tooltip(f"{r.road or r.link_id} ({r.mode})",
                    [("link", r.link_id), (label, value), ("tonnes/day", f"{r.flow_t:,.1f}"),
                     ("length", f"{r.len_km:,.0f} km")])


def _crossing_tooltip(r, trucks_ab: float, trucks_ba: float, util: float, extra=()) -> str:
    return _tooltip(str(r.name), [
        ("state", r.state), ("mode", r.mode),
        (f"{r.ctry_a}→{r.ctry_b} trucks/day", f"{trucks_ab:,.1f} / {r.cap_ab:,.0f}"),
        (f"{r.ctry_b}→{r.ctry_a} trucks/day", f"{trucks_ba:,.1f} / {r.cap_ba:,.0f}"),
        ("utilisation", f"{util:.0%}"),
        ("USD per extra truck/day", f"{max(r.dual_ab, r.dual_ba):,.2f}"),
        ("peak queue (trucks)", f"{r.queue_pk:,.0f}"), *extra])


def _add_links(group, links: gpd.GeoDataFrame, value: str, vmax: float, css: str,
               colour_of, label: str) -> None:
    for r in links.itertuples():
        v = getattr(r, value)
        folium.PolyLine([(y, x) for x, y in r.geometry.coords], color=colour_of(r, v),
                        weight=float(1.5 + 9 * abs(v) / vmax) if vmax > 0 else 1.5,
                        opacity=0.85, class_name=css,
                        tooltip=folium.Tooltip(_link_tooltip(r, f"{v:+,.1f}" if value ==
                                                             "flow_delta_trucks" else
                                                             f"{v:,.1f}", label))).add_to(group)


def _add_crossings(group, cr: gpd.GeoDataFrame, trucks: str, css: str, colour_of,
                   extra=lambda r: (), popup=lambda r: None) -> None:
    vmax = float(cr[trucks].abs().max()) or 1.0
    for r in cr.itertuples():
        v = getattr(r, trucks)
        closed = r.state == "closed"
        marker = folium.CircleMarker(
            (r.geometry.y, r.geometry.x), radius=float(4 + 14 * math.sqrt(abs(v) / vmax)),
            color="black", weight=2.5 if closed else 1, dash_array="3" if closed else None,
            fill=True, fill_color="#ffffff" if closed or abs(v) <= _EPS else colour_of(r, v),
            fill_opacity=0.85,
            class_name=css,
            tooltip=folium.Tooltip(_crossing_tooltip(r, r.trk_ab, r.trk_ba, r.util,
                                                     extra(r))))
        if (content := popup(r)) is not None:
            marker.add_child(_HtmlPopup(content))
        marker.add_to(group)


class _HtmlPopup(MacroElement):
    """A click popup bound from an HTML string with Leaflet's own ``bindPopup`` (folium's
    ``Popup`` builds its content with jQuery, which this offline map does not load)."""

    _template = Template("{% macro script(this, kwargs) %}"
                         "{{ this._parent.get_name() }}.bindPopup({{ this.content|tojson }}, "
                         "{maxWidth: {{ this.max_width }}});{% endmacro %}")

    def __init__(self, content: str, max_width: int = 340):
        super().__init__()
        self._name = "HtmlPopup"
        self.content, self.max_width = content, int(max_width)


def _levers_group(levers: gpd.GeoDataFrame):
    """Layer "Response levers": an orange ring per gate with levers (class ``bf-lever``; a
    dashed grey ring for a menu's lever the best set did not choose), its tooltip listing
    each lever: what, when, cost per day and its source."""
    g = folium.FeatureGroup("Response levers", show=True)
    for cid, sub in levers.groupby("crossing_id", sort=True):
        used = (sub["chosen"] != "no").any()
        rows = [(f"{r.lever_name}" + (" (chosen)" if r.chosen == "yes" else
                                      " (not chosen)" if r.chosen == "no" else ""),
                 f"{r.detail}; {r.from_date or 'start'} to {r.to_date or 'end'}; "
                 + (f"{r.cost_usd_day:,.0f} USD/day" if math.isfinite(r.cost_usd_day)
                    else "no cost") + f" ({r.cost_src})")
                for r in sub.itertuples()]
        p = sub.geometry.iloc[0]
        folium.CircleMarker(
            (p.y, p.x), radius=13, color="#ff7f00" if used else "#888888", weight=3,
            dash_array=None if used else "4", fill=False, class_name="bf-lever",
            tooltip=folium.Tooltip(_tooltip(f"Levers at {sub['name'].iloc[0]} ({cid})",
                                            rows))).add_to(g)
    return g


def flow_map_html(run: RunData, out: Path | str, baseline: ResultTables | None = None, *,
                  chart: HeadlineChart | None = None,
                  levers: gpd.GeoDataFrame | None = None) -> Path:
    """Interactive map of a run (self-contained HTML: Leaflet inlined, no network needed).

    Layers (layer control, top right): country borders with their names, the network, the
    scenario's flows, with a baseline the baseline's flows and the change, and labels (the
    busiest crossings, the scenario's closures, the markets). Without a baseline the map opens
    on the scenario's flows; with one it opens on the change (scenario and baseline flows
    hidden until ticked). A crossing the scenario closed is a red X above everything. Every
    crossing and link with flow has a tooltip. SVG paths carry the CSS classes
    ``bf-countries``, ``bf-network``, ``bf-scenario``, ``bf-baseline`` and ``bf-delta``;
    labels ``bf-label``, closures ``bf-closed``.

    Parameters
    ----------
    run : RunData
        The run.
    out : path
        HTML file to write (atomically).
    baseline : ResultTables, optional
        Baseline results (same dataset).
    chart : HeadlineChart, optional
        An uncertainty run's headline tornado chart
        (:func:`borderflow.uncertainty.map_chart.headline_chart`), embedded as a base64 PNG in
        the click popup of each crossing its scenario closes, or in the legend if it closes
        none on this map.
    levers : GeoDataFrame, optional
        Levers to draw (:func:`borderflow.gis.levers_layer`; default: the scenario's, if it
        has any): layer "Response levers", orange rings (class ``bf-lever``) with each
        lever's cost in the tooltip.

    Returns
    -------
    Path
    """
    layers = run_layers(run, baseline)
    if levers is None:
        levers = with_levers(run, {}).get("levers")
    links, cr = layers["links"], layers["crossings"]
    minx, miny, maxx, maxy = _extent_deg(run.net)
    m = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25)
    m.default_js = [(name, f"borderflow-asset:{name}") for name in _ASSET_JS]
    m.default_css = [(name, f"borderflow-asset:{name}") for name in _ASSET_CSS]
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    countries = load_countries()
    folium.GeoJson(
        countries[["name", "iso_a2", "geometry"]].to_json(), name="Country borders",
        style_function=lambda f: {"color": "#555555", "weight": 1.2, "fillOpacity": 1.0,
                                  "fillColor": COUNTRY_FILL.get(f["properties"]["iso_a2"],
                                                                "#f2f2f2"),
                                  "className": "bf-countries"},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False), control=True, overlay=True,
    ).add_to(m)
    net_group = folium.FeatureGroup("Network (all links)", show=True).add_to(m)
    for r in links.itertuples():
        folium.PolyLine([(y, x) for x, y in r.geometry.coords], color="#b0b0b0", weight=1,
                        class_name="bf-network", interactive=False).add_to(net_group)
    cmap = matplotlib.colormaps[UTIL_CMAP]

    def util_colour(r, _v):
        return mcolors.to_hex(cmap(min(max(r.util, 0.0), 1.0)))

    def mode_colour(r, _v):
        return MODE_COLOURS.get(r.mode, "#555555")

    vmax = float(links["trucks"].max())
    groups = []
    change = baseline is not None
    if baseline is not None:
        base_links = links_layer(run.net, baseline)
        base_cr = crossings_layer(run.net, baseline)
        g = folium.FeatureGroup("Baseline flows", show=False)
        _add_links(g, base_links[base_links["trucks"] > _EPS], "trucks",
                   max(vmax, float(base_links["trucks"].max())), "bf-baseline", mode_colour,
                   "trucks/day")
        _add_crossings(g, base_cr, "trucks", "bf-baseline", util_colour)
        groups.append(g)
    g = folium.FeatureGroup(f"Scenario flows: {run.name}", show=not change)
    _add_links(g, links[links["trucks"] > _EPS], "trucks", vmax, "bf-scenario", mode_colour,
               "trucks/day")
    bands = run.results.summary.get("bands")  # a run solved with --samples
    closed = set(chart.closed) & set(cr["crossing_id"]) if chart is not None else set()
    _add_crossings(g, cr, "trucks", "bf-scenario", util_colour,
                   extra=lambda r: gate_band_rows(bands, r.crossing_id),
                   popup=lambda r: chart.html() if r.crossing_id in closed else None)
    groups.append(g)
    if baseline is not None:
        g = folium.FeatureGroup("Change vs baseline", show=True)
        moved = links[links["flow_delta_trucks"].abs() > 0.5]
        _add_links(g, moved, "flow_delta_trucks",
                   float(moved["flow_delta_trucks"].abs().max()) if len(moved) else 0.0,
                   "bf-delta", lambda r, v: GAIN if v > 0 else LOSS, "change trucks/day")
        _add_crossings(g, cr[cr["flow_delta_trucks"].abs() > 0.5], "flow_delta_trucks",
                       "bf-delta", lambda r, v: GAIN if v > 0 else LOSS,
                       extra=lambda r: (("change trucks/day", f"{r.flow_delta_trucks:+,.1f}"),
                                        ("baseline state", str(r.base_state))))
        groups.append(g)
    if levers is not None and len(levers):
        groups.append(_levers_group(levers))
    groups.append(_labels_group(cr, layers["markets"], countries, (minx, miny, maxx, maxy)))
    for g in groups:
        g.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    legend_chart = chart if chart is not None and not closed else None
    m.get_root().html.add_child(folium.Element(_legend_html(run, baseline is not None,
                                                            legend_chart)))
    page = _stable_ids(_inline_assets(m.get_root().render()))
    return atomic_write(Path(out), lambda tmp: tmp.write_text(page, encoding="utf-8"))


_LABEL_CSS = ("font:{size}px/1.2 sans-serif;color:{colour};white-space:nowrap;"
              "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;{extra}")


def _div_label(lat: float, lon: float, text: str, css: str, cls: str = "bf-label",
               size: int = 12, colour: str = "#222", extra: str = "",
               anchor=(-6, 6)) -> folium.Marker:
    style = _LABEL_CSS.format(size=size, colour=colour, extra=extra)
    return folium.Marker((lat, lon), interactive=False, icon=folium.DivIcon(
        html=f"<div class='{cls} {css}' style='{style}'>{html.escape(text)}</div>",
        icon_size=(0, 0), icon_anchor=anchor))


def _labels_group(cr: gpd.GeoDataFrame, markets: gpd.GeoDataFrame, countries, bounds,
                  top: int = 8) -> folium.FeatureGroup:
    """Permanent labels: country names, the scenario's closures (a red X and the name), the
    busiest crossings and the markets receiving freight."""
    g = folium.FeatureGroup("Labels", show=True)
    minx, miny, maxx, maxy = bounds
    for name, geom in zip(countries["name"], countries.geometry):
        p = geom.intersection(gpd.GeoSeries.from_xy([minx, maxx], [miny, maxy])
                              .union_all().envelope)
        if not p.is_empty:
            pt = p.representative_point()
            _div_label(pt.y, pt.x, name.upper(), "bf-country", size=15, colour="#8a8a8a",
                       extra="font-weight:bold;letter-spacing:2px", anchor=(30, 8)).add_to(g)
    states = L.crossing_categories(cr)
    for r in cr[states == "closed_by_scenario"].itertuples():
        _div_label(r.geometry.y, r.geometry.x, "✕", "bf-closed", size=22, colour="#d7191c",
                   extra="font-weight:bold", anchor=(7, 14)).add_to(g)
        _div_label(r.geometry.y, r.geometry.x, L.short_name(r.name) + " (closed)", "bf-crossing",
                   colour="#b2182b", extra="font-weight:bold", anchor=(-10, 18)).add_to(g)
    busy = cr[(states == "open") & (cr["trucks"] > 0.05)].sort_values(
        ["trucks", "name"], ascending=[False, True]).head(top)
    for r in busy.itertuples():
        _div_label(r.geometry.y, r.geometry.x, L.short_name(r.name), "bf-crossing").add_to(g)
    for r in markets[markets["recv_t"] > 0.5].itertuples():
        _div_label(r.geometry.y, r.geometry.x, L.short_name(r.name), "bf-market",
                   colour="#08519c", extra="font-style:italic").add_to(g)
    return g


def _extent_deg(net: FreightNetwork):
    g = gpd.GeoSeries(list(net.links.geometry) + list(net.crossings.geometry), crs="EPSG:4326")
    return g.total_bounds


def _legend_html(run: RunData, with_baseline: bool, chart: HeadlineChart | None = None) -> str:
    s = run.results.summary
    modes = "".join(f"<div><span style='display:inline-block;width:22px;height:4px;"
                    f"background:{c};vertical-align:middle'></span> {m}</div>"
                    for m, c in MODE_COLOURS.items())
    delta = (f"<div><span style='color:{GAIN}'>&#9632;</span> more / "
             f"<span style='color:{LOSS}'>&#9632;</span> fewer trucks than baseline "
             "(layer 'Change vs baseline', shown; tick 'Scenario flows' for the flows)</div>"
             ) if with_baseline else ""
    return (
        "<div id='bf-legend' style='position:fixed;bottom:28px;right:12px;z-index:1000;"
        "background:rgba(255,255,255,.92);padding:8px 10px;border-radius:4px;"
        "font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:320px'>"
        f"<div style='font-weight:bold;font-size:14px'>borderflow — {html.escape(run.name)}</div>"
        f"<div>{html.escape(str(s.get('period_label', '')))}: {s['shipped_t']:,.0f} t shipped, "
        f"{s['trucks']:,.0f} trucks, unserved {s['unserved_t']:,.0f} t</div>"
        + (f"<div class='bf-bands' style='margin-top:4px'>{html.escape(legend_line(bands))}"
           "</div>" if (bands := s.get("bands")) else "") +
        "<div style='margin-top:4px'>line width: trucks/day; circles: crossings sized by "
        "trucks/day, coloured green&rarr;red by utilisation; dashed white: closed; "
        "<span style='color:#d7191c;font-weight:bold'>&#10005;</span> closed by this "
        "scenario</div>"
        f"{modes}{delta}{chart.html() if chart is not None else ''}</div>")


def _stable_ids(page: str) -> str:
    """Folium names each element ``<kind>_<uuid4 hex>``: number them in order of first use
    instead, so the same map is the same bytes (deterministic folders)."""
    seen: dict[str, str] = {}

    def number(m: re.Match) -> str:
        return seen.setdefault(m.group(0), f"{len(seen):032d}")

    return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])", number, page)


def _inline_assets(page: str) -> str:
    """Replace the asset placeholders folium wrote as links by the files' contents."""
    for name in _ASSET_JS:
        tag = f'<script src="borderflow-asset:{name}"></script>'
        js = _asset(name).decode("utf-8").replace("</script", "<\\/script")
        if tag not in page:
            raise RuntimeError(f"folium did not write the {name} placeholder")
        page = page.replace(tag, f"<script>/* {name}: see borderflow/assets/LICENSES */\n"
                                 f"{js}</script>")
    for name in _ASSET_CSS:
        tag = re.compile(r'<link rel="stylesheet" href="borderflow-asset:' + re.escape(name)
                         + r'"\s*/?>')
        if not tag.search(page):
            raise RuntimeError(f"folium did not write the {name} placeholder")
        css = _inline_css(name)
        page = tag.sub(lambda _m, name=name, css=css: f"<style>/* {name}: see "
                       f"borderflow/assets/LICENSES */\n{css}</style>", page)
    return page
