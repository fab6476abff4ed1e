"""Maps of optimal flows: a static PNG for reports and an interactive, self-contained HTML map.

- :func:`flow_map_png`: links drawn with widths by trucks/day (coloured by mode, or by gain/loss
  against a baseline), crossings sized by trucks/day and coloured by utilisation, closed
  crossings crossed out, over the country borders of :func:`borderflow.data.basemap.load_countries`,
  with legend, title and scale bar. Drawn in the metric CRS (EPSG:32648) so the scale bar is true.
- :func:`flow_map_html`: a Leaflet map (written with folium) with a layer control (country
  borders, network, baseline, scenario, change vs baseline) and a tooltip on every crossing and
  link. Leaflet's JavaScript, CSS and images (``borderflow/assets``, BSD-2, see
  ``assets/LICENSES``) are inlined, so the file renders with no network access.
- :func:`network_map_png`: the dataset's network: links by mode, crossings by status.

The layers come from :func:`borderflow.gis.run_layers`; nothing here recomputes results.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import re
from importlib import resources
from pathlib import Path

import folium
import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from borderflow.data.basemap import METRIC_CRS, load_countries  # noqa: E402
from borderflow.gis import RunData, crossings_layer, links_layer, run_layers  # noqa: E402
from borderflow.io import atomic_write  # noqa: E402
from borderflow.model.network import FreightNetwork  # noqa: E402
from borderflow.model.results import ResultTables  # noqa: E402

log = logging.getLogger(__name__)

MODE_COLOURS = {"road": "#d95f02", "rail": "#7570b3", "transfer": "#1b9e77"}
STATUS_COLOURS = {"open": "#1a9850", "upgraded": "#2166ac", "restricted": "#fdae61",
                  "proposed": "#bdbdbd", "closed": "#000000"}
GAIN, LOSS = "#d7301f", "#2b8cbe"
UTIL_CMAP = "RdYlGn_r"
COUNTRY_FILL = {"CN": "#f4efe6", "VN": "#eef3e8", "LA": "#f3eaf0", "TH": "#e8eff5",
                "KH": "#f2f2ec", "MM": "#f0ede8"}
_EPS = 1e-6
_ASSET_JS = ("leaflet/leaflet.js",)
_ASSET_CSS = ("leaflet/leaflet.css",)


# --------------------------------------------------------------------------- helpers

def _nice_length_km(width_km: float) -> float:
    """A round scale bar length of about a fifth of the map width."""
    target = width_km / 5.0
    base = 10 ** math.floor(math.log10(target))
    return max(m * base for m in (1, 2, 2.5, 5) if m * base <= target)


def _scale_bar(ax, bounds) -> None:
    minx, miny, maxx, maxy = bounds
    km = _nice_length_km((maxx - minx) / 1000.0)
    x0, y0 = minx + 0.04 * (maxx - minx), miny + 0.04 * (maxy - miny)
    h = 0.008 * (maxy - miny)
    ax.add_patch(plt.Rectangle((x0 - 0.015 * (maxx - minx), y0 - 0.012 * (maxy - miny)),
                               km * 1000.0 + 0.08 * (maxx - minx), 0.05 * (maxy - miny),
                               facecolor="white", edgecolor="none", alpha=0.8, zorder=9))
    for k in range(4):
        ax.add_patch(plt.Rectangle((x0 + k * km * 250.0, y0), km * 250.0, h,
                                   facecolor="black" if k % 2 == 0 else "white",
                                   edgecolor="black", linewidth=0.8, zorder=10))
    for frac in (0, 0.5, 1):
        ax.text(x0 + frac * km * 1000.0, y0 + 1.6 * h, f"{frac * km:g}", ha="center",
                va="bottom", fontsize=8, zorder=10)
    ax.text(x0 + km * 1000.0 + 0.01 * (maxx - minx), y0 + h / 2, "km", va="center",
            fontsize=8, zorder=10)
    ax.annotate("N", xy=(maxx - 0.05 * (maxx - minx), maxy - 0.05 * (maxy - miny)),
                xytext=(maxx - 0.05 * (maxx - minx), maxy - 0.12 * (maxy - miny)),
                ha="center", fontsize=11, fontweight="bold", zorder=10,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})


def _extent(net: FreightNetwork):
    g = gpd.GeoSeries(list(net.links.geometry) + list(net.crossings.geometry),
                      crs="EPSG:4326").to_crs(METRIC_CRS)
    minx, miny, maxx, maxy = g.total_bounds
    pad = 0.05 * max(maxx - minx, maxy - miny)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _draw_countries(ax, bounds) -> None:
    countries = load_countries().to_crs(METRIC_CRS)
    fills = [COUNTRY_FILL.get(c, "#f2f2f2") for c in countries["iso_a2"]]
    countries.plot(ax=ax, color=fills, edgecolor="#6e6e6e", linewidth=0.9, zorder=0)
    minx, miny, maxx, maxy = bounds
    for name, geom in zip(countries["name"], countries.geometry):
        p = geom.intersection(gpd.GeoSeries.from_xy([minx, maxx], [miny, maxy])
                              .union_all().envelope)
        if p.is_empty or p.area < 0.02 * (maxx - minx) * (maxy - miny):
            continue
        pt = p.representative_point()
        ax.text(pt.x, pt.y, name.upper(), ha="center", va="center", fontsize=13,
                color="#9a9a9a", fontweight="bold", alpha=0.8, zorder=1)


def _width(values, vmax: float, max_width: float = 8.0):
    return 0.6 + max_width * (values / vmax if vmax > 0 else 0 * values)


def _size(values, vmax: float):
    return 25 + 500 * (values / vmax if vmax > 0 else 0 * values)


def _short(name: str) -> str:
    return re.split(r"\s*[–(]", str(name))[0]


def _finish(fig, ax, bounds, title: str, subtitle: str, handles: list, out: Path,
            util: bool = True) -> Path:
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, bounds)
    ax.set_title(subtitle, fontsize=9, color="#444444", loc="left")
    ax.annotate(title, xy=(0, 1), xycoords="axes fraction", ha="left", va="bottom",
                xytext=(0, 10 + 12 * (subtitle.count("\n") + 1)), textcoords="offset points",
                fontsize=14, fontweight="bold")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              framealpha=0.92, title_fontsize=9, borderpad=0.8, labelspacing=0.9)
    if util:
        cax = ax.inset_axes([0.04, 0.12, 0.28, 0.018])
        cb = fig.colorbar(ScalarMappable(norm=mcolors.Normalize(0, 1), cmap=UTIL_CMAP),
                          cax=cax, orientation="horizontal")
        cb.set_label("crossing utilisation (busier direction)", fontsize=8)
        cb.ax.tick_params(labelsize=7)
        cb.ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.text(1, -0.012, "Borders: Natural Earth (public domain). Projection: UTM 48N "
                       "(EPSG:32648). borderflow", transform=ax.transAxes, ha="right",
            va="top", fontsize=7, color="#666666")
    try:
        return atomic_write(out, lambda tmp: fig.savefig(tmp, dpi=150, format="png",
                                                          bbox_inches="tight", pad_inches=0.2))
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- static maps

def flow_map_png(run: RunData, out: Path | str, baseline: ResultTables | None = None,
                 label_top: int = 8) -> Path:
    """Static map of a run's optimal flows (PNG).

    Parameters
    ----------
    run : RunData
        The run (:func:`borderflow.gis.load_run` or :func:`borderflow.gis.run_data`).
    out : path
        PNG to write (atomically).
    baseline : ResultTables, optional
        With a baseline, links are coloured by the change of trucks/day (gain red, loss blue,
        width by the size of the change) over the scenario's flows in grey.
    label_top : int
        Label this many busiest crossings (closed crossings are always labelled).

    Returns
    -------
    Path
    """
    layers = run_layers(run, baseline)
    links = layers["links"].to_crs(METRIC_CRS)
    cr = layers["crossings"].to_crs(METRIC_CRS)
    bounds = _extent(run.net)
    fig, ax = plt.subplots(figsize=(12.5, 10.5))
    _draw_countries(ax, bounds)
    links.plot(ax=ax, color="#c8c8c8", linewidth=0.5, zorder=2)
    used = links[links["trucks"] > _EPS]
    vmax = float(links["trucks"].max())
    handles = []
    if baseline is None:
        for mode, colour in MODE_COLOURS.items():
            part = used[used["mode"] == mode]
            if len(part):
                part.plot(ax=ax, color=colour, linewidth=_width(part["trucks"], vmax), zorder=3,
                          alpha=0.9, capstyle="round")
                handles.append(Line2D([], [], color=colour, lw=3, label=f"{mode} flow"))
        sample = vmax
    else:
        used.plot(ax=ax, color="#9e9e9e", linewidth=_width(used["trucks"], vmax), zorder=3,
                  alpha=0.6)
        d = links[links["flow_delta_trucks"].abs() > 0.5]
        dmax = float(d["flow_delta_trucks"].abs().max()) if len(d) else 0.0
        for sign, colour, label in ((1, GAIN, "more trucks than baseline"),
                                    (-1, LOSS, "fewer trucks than baseline")):
            part = d[sign * d["flow_delta_trucks"] > 0]
            if len(part):
                part.plot(ax=ax, color=colour, zorder=4, alpha=0.9,
                          linewidth=_width(part["flow_delta_trucks"].abs(), dmax))
            handles.append(Line2D([], [], color=colour, lw=3, label=label))
        handles.append(Line2D([], [], color="#9e9e9e", lw=3, label="scenario flow"))
        sample = dmax if dmax > 0 else vmax
        vmax = dmax if dmax > 0 else vmax
    for frac in (1.0, 0.5, 0.1):
        handles.append(Line2D([], [], color="#555555", lw=float(_width(frac * sample, vmax)),
                              label=f"{frac * sample:,.0f} trucks/day"))
    cmax = float(cr["trucks"].max())
    busy = cr[cr["trucks"] > _EPS]
    idle = cr[(cr["trucks"] <= _EPS) & (cr["state"] != "closed")]
    closed = cr[cr["state"] == "closed"]
    ax.scatter(idle.geometry.x, idle.geometry.y, s=14, facecolor="white", edgecolor="#555555",
               linewidth=0.7, zorder=5)
    ax.scatter(busy.geometry.x, busy.geometry.y, s=_size(busy["trucks"], cmax),
               c=busy["util"], cmap=UTIL_CMAP, vmin=0, vmax=1, edgecolor="black",
               linewidth=0.7, zorder=6)
    ax.scatter(closed.geometry.x, closed.geometry.y, s=110, marker="X", color="black",
               edgecolor="white", linewidth=0.8, zorder=7)
    for frac in (1.0, 0.25):
        handles.append(ax.scatter([], [], s=float(_size(frac * cmax, cmax)), facecolor="#dddddd",
                                  edgecolor="black", label=f"crossing, {frac * cmax:,.0f} "
                                                           "trucks/day"))
    handles.append(ax.scatter([], [], s=14, facecolor="white", edgecolor="#555555",
                              label="crossing, unused"))
    handles.append(ax.scatter([], [], s=110, marker="X", color="black",
                              label="crossing closed in this run"))
    labelled = cr.sort_values("trucks", ascending=False).head(label_top)
    for r in [*labelled.itertuples(), *closed.itertuples()]:
        text = _short(r.name) + (" rail" if r.mode == "rail" else "") + (
            " (closed)" if r.state == "closed" else "")
        ax.annotate(text, (r.geometry.x, r.geometry.y), xytext=(6, 6),
                    textcoords="offset points", fontsize=8, zorder=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.75})
    s = run.results.summary
    what = "change against the baseline" if baseline is not None else "optimal freight flows"
    subtitle = (f"{s.get('period_label', '')}: {s['shipped_t']:,.0f} t shipped, "
                f"{s['trucks']:,.0f} trucks, transport cost USD {s['transport_cost_usd']:,.0f}, "
                f"unserved {s['unserved_t']:,.0f} t")
    if baseline is not None:
        b = baseline.summary
        subtitle += (f"\nbaseline: {b['shipped_t']:,.0f} t shipped, transport cost "
                     f"USD {b['transport_cost_usd']:,.0f}, unserved {b['unserved_t']:,.0f} t")
    return _finish(fig, ax, bounds, f"borderflow — {run.name}: {what}", subtitle, handles,
                   Path(out))


def network_map_png(net: FreightNetwork, out: Path | str) -> Path:
    """Static map of a dataset's network: links by mode, crossings by status (PNG).

    Parameters
    ----------
    net : FreightNetwork
        Network built from the dataset (:func:`borderflow.model.network.build_network`).
    out : path
        PNG to write (atomically).

    Returns
    -------
    Path
    """
    bounds = _extent(net)
    fig, ax = plt.subplots(figsize=(12.5, 10.5))
    _draw_countries(ax, bounds)
    links = net.links.to_crs(METRIC_CRS)
    handles = []
    for mode, colour in MODE_COLOURS.items():
        part = links[links["mode"] == mode]
        if len(part):
            part.plot(ax=ax, color=colour, linewidth=1.8 if mode == "rail" else 1.1, zorder=3)
            handles.append(Line2D([], [], color=colour, lw=2, label=f"{mode} ({len(part)} links)"))
    nodes = net.nodes.to_crs(METRIC_CRS)
    for kind, marker in (("origin", "o"), ("market", "s")):
        part = nodes[nodes["kind"] == kind]
        ax.scatter(part.geometry.x, part.geometry.y, s=18, marker=marker, facecolor="white",
                   edgecolor="#333333", linewidth=0.8, zorder=4)
        handles.append(ax.scatter([], [], s=18, marker=marker, facecolor="white",
                                  edgecolor="#333333", label=f"{kind} ({len(part)})"))
    cr = net.crossings.to_crs(METRIC_CRS)
    for status, colour in STATUS_COLOURS.items():
        part = cr[cr["status"] == status]
        if len(part):
            marker = "X" if status == "closed" else "D"
            ax.scatter(part.geometry.x, part.geometry.y, s=60, marker=marker, color=colour,
                       edgecolor="black", linewidth=0.6, zorder=5)
            handles.append(ax.scatter([], [], s=60, marker=marker, color=colour,
                                      edgecolor="black",
                                      label=f"crossing {status} ({len(part)})"))
    folders = sorted({str(Path(p[0]).parent) for p in net.tables.sources.values()})
    subtitle = (f"{len(net.nodes)} nodes, {len(net.links)} links, {len(net.crossings)} "
                f"crossings; dataset: {', '.join(folders)}")
    return _finish(fig, ax, bounds, "borderflow — network", subtitle, handles, Path(out),
                   util=False)


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
                   extra=lambda r: ()) -> None:
    vmax = float(cr[trucks].abs().max()) or 1.0
    for r in cr.itertuples():
        v = getattr(r, trucks)
        closed = r.state == "closed"
        folium.CircleMarker(
            (r.geometry.y, r.geometry.x), radius=float(4 + 14 * math.sqrt(abs(v) / vmax)),
            color="black", weight=2.5 if closed else 1, dash_array="3" if closed else None,
            fill=True, fill_color="#ffffff" if closed or abs(v) <= _EPS else colour_of(r, v),
            fill_opacity=0.85,
            class_name=css,
            tooltip=folium.Tooltip(_crossing_tooltip(r, r.trk_ab, r.trk_ba, r.util,
                                                     extra(r)))).add_to(group)


def flow_map_html(run: RunData, out: Path | str, baseline: ResultTables | None = None) -> Path:
    """Interactive map of a run (self-contained HTML: Leaflet inlined, no network needed).

    Layers (layer control, top right): country borders, the network, the scenario's flows
    (shown), and with a baseline the baseline's flows and the change (hidden until ticked).
    Every crossing and link with flow has a tooltip. SVG paths carry the CSS classes
    ``bf-countries``, ``bf-network``, ``bf-scenario``, ``bf-baseline`` and ``bf-delta``.

    Parameters
    ----------
    run : RunData
        The run.
    out : path
        HTML file to write (atomically).
    baseline : ResultTables, optional
        Baseline results (same dataset).

    Returns
    -------
    Path
    """
    layers = run_layers(run, baseline)
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
    if baseline is not None:
        base_links = links_layer(run.net, baseline)
        base_cr = crossings_layer(run.net, baseline)
        g = folium.FeatureGroup("Baseline flows", show=False)
        _add_links(g, base_links[base_links["trucks"] > _EPS], "trucks",
                   max(vmax, float(base_links["trucks"].max())), "bf-baseline", mode_colour,
                   "trucks/day")
        _add_crossings(g, base_cr, "trucks", "bf-baseline", util_colour)
        groups.append(g)
    g = folium.FeatureGroup(f"Scenario flows: {run.name}", show=True)
    _add_links(g, links[links["trucks"] > _EPS], "trucks", vmax, "bf-scenario", mode_colour,
               "trucks/day")
    _add_crossings(g, cr, "trucks", "bf-scenario", util_colour)
    groups.append(g)
    if baseline is not None:
        g = folium.FeatureGroup("Change vs baseline", show=False)
        moved = links[links["flow_delta_trucks"].abs() > 0.5]
        _add_links(g, moved, "flow_delta_trucks",
                   float(moved["flow_delta_trucks"].abs().max()) if len(moved) else 0.0,
                   "bf-delta", lambda r, v: GAIN if v > 0 else LOSS, "change trucks/day")
        _add_crossings(g, cr[cr["flow_delta_trucks"].abs() > 0.5], "flow_delta_trucks",
                       "bf-delta", lambda r, v: GAIN if v > 0 else LOSS,
                       extra=lambda r: (("change trucks/day", f"{r.flow_delta_trucks:+,.1f}"),
                                        ("baseline state", str(r.base_state))))
        groups.append(g)
    for g in groups:
        g.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(folium.Element(_legend_html(run, baseline is not None)))
    page = _inline_assets(m.get_root().render())
    return atomic_write(Path(out), lambda tmp: tmp.write_text(page, encoding="utf-8"))


def _extent_deg(net: FreightNetwork):
    g = gpd.GeoSeries(list(net.links.geometry) + list(net.crossings.geometry), crs="EPSG:4326")
    return g.total_bounds


def _legend_html(run: RunData, with_baseline: bool) -> str:
    s = run.results.summary
    modes = "".join(f"<div><span style='display:inline-block;width:22px;height:4px;"
                    f"background:{c};vertical-align:middle'></span> {m}</div>"
                    for m, c in MODE_COLOURS.items())
    delta = (f"<div><span style='color:{GAIN}'>&#9632;</span> more / "
             f"<span style='color:{LOSS}'>&#9632;</span> fewer trucks than baseline "
             f"(layer 'Change vs baseline')</div>") if with_baseline else ""
    return (
        "<div id='bf-legend' style='position:fixed;bottom:28px;right:12px;z-index:1000;"
        "background:rgba(255,255,255,.92);padding:8px 10px;border-radius:4px;"
        "font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:320px'>"
        f"<div style='font-weight:bold;font-size:14px'>borderflow — {html.escape(run.name)}</div>"
        f"<div>{html.escape(str(s.get('period_label', '')))}: {s['shipped_t']:,.0f} t shipped, "
        f"{s['trucks']:,.0f} trucks, unserved {s['unserved_t']:,.0f} t</div>"
        "<div style='margin-top:4px'>line width: trucks/day; circles: crossings sized by "
        "trucks/day, coloured green&rarr;red by utilisation; dashed white: closed</div>"
        f"{modes}{delta}</div>")


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
        page = tag.sub(lambda _m, name=name, css=css:
                       f"<style>/* {name}: see borderflow/assets/LICENSES */\n{css}</style>",
                       page)
    return page
