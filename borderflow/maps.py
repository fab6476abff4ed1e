"""Maps of optimal flows: a static PNG for reports and an interactive, self-contained HTML map.

- :func:`flow_map_png`: links drawn with widths by trucks/day (coloured by mode, or by gain/loss
  against a baseline), crossings sized by trucks/day and coloured by utilisation, over the
  country borders of :func:`borderflow.data.basemap.load_countries`, with legend, title and
  scale bar. The frame fits what carries freight; the scenario's own closures (red X) are told
  from gates closed (grey x) or only proposed (dashed diamond) in the data; the busiest
  crossings, every market and the main origins are labelled without overlaps
  (:mod:`borderflow.present.labels`). Drawn in the metric CRS (EPSG:32648) so the scale bar is
  true.
- :func:`flow_map_html` (:mod:`borderflow.html_map`): a Leaflet map (written with folium)
  with a layer control (country borders, network, baseline, scenario, change vs baseline,
  labels) and a tooltip on every crossing and link; with a baseline it opens on the change.
  Leaflet's JavaScript, CSS and images (``borderflow/assets``, BSD-2, see
  ``assets/LICENSES``) are inlined, so the file renders with no network access.
- :func:`network_map_png`: the dataset's network: links by mode, crossings by status, every
  crossing and market labelled (those that would overlap a more important label dropped).

The layers come from :func:`borderflow.gis.run_layers`; nothing here recomputes results.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from borderflow.data.basemap import METRIC_CRS, load_countries  # noqa: E402
from borderflow.gis import RunData, run_layers  # noqa: E402
from borderflow.io import atomic_write  # noqa: E402
from borderflow.model.network import FreightNetwork  # noqa: E402
from borderflow.model.results import ResultTables  # noqa: E402
from borderflow.present import labels as L  # noqa: E402

log = logging.getLogger(__name__)

MODE_COLOURS = {"road": "#d95f02", "rail": "#7570b3", "transfer": "#1b9e77"}
STATUS_COLOURS = {"open": "#1a9850", "upgraded": "#2166ac", "restricted": "#fdae61",
                  "proposed": "#bdbdbd", "closed": "#000000"}
GAIN, LOSS = "#d7301f", "#2b8cbe"
UTIL_CMAP = "RdYlGn_r"
COUNTRY_FILL = {"CN": "#f4efe6", "VN": "#eef3e8", "LA": "#f3eaf0", "TH": "#e8eff5",
                "KH": "#f2f2ec", "MM": "#f0ede8"}
_EPS = 1e-6


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


def _draw_countries(ax, bounds) -> list:
    """Country fills and names; returns the name texts (labels keep off them)."""
    countries = load_countries().to_crs(METRIC_CRS)
    fills = [COUNTRY_FILL.get(c, "#f2f2f2") for c in countries["iso_a2"]]
    countries.plot(ax=ax, color=fills, edgecolor="#6e6e6e", linewidth=0.9, zorder=0)
    minx, miny, maxx, maxy = bounds
    texts = []
    for name, geom in zip(countries["name"], countries.geometry):
        p = geom.intersection(gpd.GeoSeries.from_xy([minx, maxx], [miny, maxy])
                              .union_all().envelope)
        if p.is_empty or p.area < 0.02 * (maxx - minx) * (maxy - miny):
            continue
        pt = p.representative_point()
        texts.append(ax.text(pt.x, pt.y, name.upper(), ha="center", va="center", fontsize=13,
                             color="#9a9a9a", fontweight="bold", alpha=0.8, zorder=1))
    return texts


def _set_frame(ax, bounds) -> None:
    """Fix the axes to ``bounds`` (before labels are placed: they need the final frame)."""
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")


def _width(values, vmax: float, max_width: float = 8.0):
    return 0.6 + max_width * (values / vmax if vmax > 0 else 0 * values)


def _size(values, vmax: float):
    return 25 + 500 * (values / vmax if vmax > 0 else 0 * values)


def _finish(fig, ax, bounds, title: str, subtitle: str, handles: list, out: Path,
            util: bool = True) -> Path:
    _set_frame(ax, bounds)
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
    origins = layers["origins"].to_crs(METRIC_CRS)
    markets = layers["markets"].to_crs(METRIC_CRS)
    shown = cr[(cr["trucks"] > _EPS) | (cr["state"] != "open")]
    if baseline is not None:
        shown = pd.concat([shown, cr[cr["base_trucks"] > _EPS]])
    bounds = L.fit_frame([links[(links["trucks"] > _EPS) | (links.get(
        "base_trucks", 0 * links["trucks"]) > _EPS)].geometry, shown.geometry,
        origins[origins["shipped_t"] > _EPS].geometry,
        markets[markets["recv_t"] > _EPS].geometry], aspect=12.5 / 10.5)
    fig, ax = plt.subplots(figsize=(12.5, 10.5))
    country_names = _draw_countries(ax, bounds)
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
    states = L.crossing_categories(cr)
    busy = cr[(cr["trucks"] > _EPS) & states.isin(["open", "reduced"])]
    idle = cr[(cr["trucks"] <= _EPS) & (states == "open")]
    ship = origins[origins["shipped_t"] > _EPS]
    recv = markets[markets["recv_t"] > _EPS]
    ax.scatter(ship.geometry.x, ship.geometry.y, s=12, marker="o", facecolor="#4d9221",
               edgecolor="white", linewidth=0.5, zorder=4)
    ax.scatter(recv.geometry.x, recv.geometry.y, s=34, marker="s", facecolor="#08519c",
               edgecolor="white", linewidth=0.6, zorder=4)
    ax.scatter(idle.geometry.x, idle.geometry.y, s=14, facecolor="white", edgecolor="#555555",
               linewidth=0.7, zorder=5)
    ax.scatter(busy.geometry.x, busy.geometry.y, s=_size(busy["trucks"], cmax),
               c=busy["util"], cmap=UTIL_CMAP, vmin=0, vmax=1, edgecolor="black",
               linewidth=0.7, zorder=6)
    for frac in (1.0, 0.25):
        handles.append(ax.scatter([], [], s=float(_size(frac * cmax, cmax)), facecolor="#dddddd",
                                  edgecolor="black", label=f"crossing, {frac * cmax:,.0f} "
                                                           "trucks/day"))
    handles.append(ax.scatter([], [], s=14, facecolor="white", edgecolor="#555555",
                              label="crossing, unused"))
    handles += L.draw_crossing_states(ax, cr)
    handles.append(ax.scatter([], [], s=34, marker="s", facecolor="#08519c", label="market"))
    handles.append(ax.scatter([], [], s=12, marker="o", facecolor="#4d9221",
                              label="origin shipping"))
    _set_frame(ax, bounds)
    L.place_labels(ax, L.map_labels(cr, origins, markets, top_crossings=label_top),
                   avoid_xy=np.c_[cr.geometry.x, cr.geometry.y], obstacles=country_names)
    s = run.results.summary
    what = "change against the baseline" if baseline is not None else "optimal freight flows"
    subtitle = (f"{s.get('period_label', '')}: {s['shipped_t']:,.0f} t shipped, "
                f"{s['trucks']:,.0f} trucks, transport cost USD {s['transport_cost_usd']:,.0f}, "
                f"unserved {s['unserved_t']:,.0f} t")
    if baseline is not None:
        b = baseline.summary
        subtitle += (f"\nbaseline: {b['shipped_t']:,.0f} t shipped, transport cost "
                     f"USD {b['transport_cost_usd']:,.0f}, unserved {b['unserved_t']:,.0f} t")
    if s.get("bands"):  # a run solved with --samples
        from borderflow.uncertainty.run_bands import short_line

        subtitle += "\n" + short_line(s["bands"])
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
    country_names = _draw_countries(ax, bounds)
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
    _set_frame(ax, bounds)
    markets = nodes[nodes["kind"] == "market"]
    open_first = cr.assign(_o=cr["status"].isin(["open", "upgraded", "restricted"])) \
        .sort_values(["_o", "name"], ascending=[False, True], kind="stable")
    labels = [L.Label(g.x, g.y, L.short_name(n), "crossing")
              for n, g in zip(open_first["name"], open_first.geometry)]
    labels += [L.Label(g.x, g.y, L.short_name(n), "market")
               for n, g in zip(markets["name"], markets.geometry)]
    L.place_labels(ax, labels, avoid_xy=np.c_[cr.geometry.x, cr.geometry.y],
                   obstacles=country_names)
    folders = sorted({str(Path(p[0]).parent) for p in net.tables.sources.values()})
    subtitle = (f"{len(net.nodes)} nodes, {len(net.links)} links, {len(net.crossings)} "
                f"crossings; dataset: {', '.join(folders)}")
    return _finish(fig, ax, bounds, "borderflow — network", subtitle, handles, Path(out),
                   util=False)


def __getattr__(name: str):
    """``flow_map_html`` lives in :mod:`borderflow.html_map` (imported on first use)."""
    if name == "flow_map_html":
        from borderflow.html_map import flow_map_html

        return flow_map_html
    raise AttributeError(f"module 'borderflow.maps' has no attribute '{name}'")
