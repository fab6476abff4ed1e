"""Maps a person would print: labels that do not overlap, a frame that fits the flows, and
crossing symbols that tell the scenario's closures from gates closed or proposed in the data.

Helpers for the matplotlib maps of :mod:`borderflow.maps` (which call them; nothing here
draws a whole map):

- :func:`crossing_categories` and :func:`draw_crossing_states`: one symbol per state
  (:data:`SYMBOLS`): closed **by the scenario** (red filled X), **closed in the data** (grey X),
  **proposed** and not built (hollow dashed diamond), capacity **cut on some days** (orange
  ring); with legend handles;
- :func:`fit_frame`: the map frame around what carries freight (links with flow, crossings,
  origins and markets), padded and widened to the axes' aspect ratio;
- :func:`map_labels` and :func:`place_labels`: labels for the busiest crossings, the closed
  ones, markets and origins, moved apart with adjustText (a maintained label placer,
  deterministic with a fixed iteration limit); a label that still overlaps a more important
  one after placement is dropped (lowest priority first), as cartographic label engines do,
  and reported in the returned :class:`Placement`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.text import Text

from borderflow.present.names import short_name

#: crossing state on a map -> matplotlib scatter style and legend label
SYMBOLS: dict[str, dict] = {
    "closed_by_scenario": {"marker": "X", "s": 150, "color": "#d7191c", "edgecolor": "white",
                           "linewidth": 0.9, "zorder": 8,
                           "label": "crossing closed by this scenario"},
    "closed_in_data": {"marker": "x", "s": 55, "color": "#4d4d4d", "linewidth": 1.4,
                       "zorder": 7, "label": "crossing closed (dataset status)"},
    "proposed": {"marker": "D", "s": 42, "facecolor": "none", "edgecolor": "#8c8c8c",
                 "linewidth": 1.0, "linestyle": "--", "zorder": 7,
                 "label": "proposed crossing, not built in this run"},
    "reduced": {"marker": "o", "s": 260, "facecolor": "none", "edgecolor": "#ff7f00",
                "linewidth": 1.8, "zorder": 7,
                "label": "capacity cut by this scenario on some days"},
}
#: label priority (higher is placed first and kept in a conflict) by kind
PRIORITY = {"closed_by_scenario": 100, "reduced": 90, "busiest": 85, "market": 80,
            "crossing": 60, "origin": 40}
#: text style by label kind
STYLE = {"closed_by_scenario": {"fontsize": 8.5, "fontweight": "bold", "color": "#b2182b"},
         "reduced": {"fontsize": 8, "fontweight": "bold", "color": "#b35806"},
         "busiest": {"fontsize": 8, "fontweight": "bold", "color": "#222222"},
         "crossing": {"fontsize": 7.5, "color": "#222222"},
         "market": {"fontsize": 8, "fontstyle": "italic", "color": "#08519c"},
         "origin": {"fontsize": 7, "color": "#276419"}}
HALO = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8}


def crossing_categories(cr: pd.DataFrame) -> pd.Series:
    """State of each crossing on a map: ``closed_by_scenario``, ``closed_in_data``,
    ``proposed``, ``reduced`` or ``open``.

    Parameters
    ----------
    cr : DataFrame
        The ``crossings`` layer: ``status`` (the dataset's) and ``state`` (this run's: open,
        reduced, closed).

    Returns
    -------
    Series
        Aligned with ``cr``. A gate the dataset lists open, upgraded or restricted that has no
        capacity in the run was closed by the scenario; a closed or proposed one that has none
        is shown as the data has it.
    """
    status, state = cr["status"].astype(str), cr["state"].astype(str)
    out = np.select(
        [(state == "closed") & (status == "proposed"),
         (state == "closed") & (status == "closed"),
         state == "closed", state == "reduced"],
        ["proposed", "closed_in_data", "closed_by_scenario", "reduced"], default="open")
    return pd.Series(out, index=cr.index, name="category")


def draw_crossing_states(ax, cr: gpd.GeoDataFrame) -> list:
    """Draw the closed, proposed and reduced crossings with their :data:`SYMBOLS`; return a
    legend handle for each state present (open crossings are left to the caller, who colours
    them by utilisation)."""
    cats = crossing_categories(cr)
    handles = []
    for cat, style in SYMBOLS.items():
        part = cr[cats == cat]
        if part.empty:
            continue
        kw = {k: v for k, v in style.items() if k != "label"}
        ax.scatter(part.geometry.x, part.geometry.y, **kw)
        legend_kw = {k: v for k, v in kw.items() if k not in ("zorder", "s")}
        handles.append(Line2D([], [], linestyle="none", markersize=np.sqrt(style["s"]),
                              marker=style["marker"],
                              markerfacecolor=legend_kw.get("facecolor", style.get("color")),
                              markeredgecolor=legend_kw.get("edgecolor", style.get("color")),
                              markeredgewidth=style.get("linewidth", 1.0),
                              label=style["label"]))
    return handles


def fit_frame(parts: Iterable[gpd.GeoSeries], pad: float = 0.06,
              aspect: float | None = None) -> tuple[float, float, float, float]:
    """The map frame around geometries, padded, optionally widened to an aspect ratio.

    Parameters
    ----------
    parts : iterable of GeoSeries
        What must be in the frame (in one projected CRS), e.g. links with flow, crossings,
        origins and markets.
    pad : float
        Margin on each side, as a share of the larger extent.
    aspect : float, optional
        Width / height of the axes; the frame grows in one direction to match it (so an
        equal-aspect map fills its axes and nothing is cut).

    Returns
    -------
    tuple
        ``(minx, miny, maxx, maxy)``.

    Raises
    ------
    ValueError
        If there is nothing to frame.
    """
    bounds = [p.total_bounds for p in parts if len(p) and not p.is_empty.all()]
    if not bounds:
        raise ValueError("nothing to frame: every part is empty")
    b = np.array(bounds)
    minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    m = pad * max(maxx - minx, maxy - miny, 1.0)
    minx, miny, maxx, maxy = minx - m, miny - m, maxx + m, maxy + m
    if aspect:
        w, h = maxx - minx, maxy - miny
        if w / h < aspect:
            grow = (aspect * h - w) / 2
            minx, maxx = minx - grow, maxx + grow
        else:
            grow = (w / aspect - h) / 2
            miny, maxy = miny - grow, maxy + grow
    return float(minx), float(miny), float(maxx), float(maxy)


@dataclass
class Label:
    """A label to place: anchor point, text, kind (a key of :data:`STYLE`)."""

    x: float
    y: float
    text: str
    kind: str

    @property
    def priority(self) -> int:
        """Higher is kept when two labels cannot both be placed."""
        return PRIORITY.get(self.kind, 0)


def map_labels(crossings: gpd.GeoDataFrame, origins: gpd.GeoDataFrame | None = None,
               markets: gpd.GeoDataFrame | None = None, top_crossings: int = 8,
               top_origins: int = 10, top_busiest: int = 3) -> list[Label]:
    """The labels of a flow map, most important first.

    Parameters
    ----------
    crossings : GeoDataFrame
        ``crossings`` layer in the map CRS (``name, mode, trucks, status, state``).
    origins, markets : GeoDataFrame, optional
        ``origins`` (``name, shipped_t``) and ``markets`` (``name, recv_t``) layers.
    top_crossings : int
        The busiest crossings labelled (crossings closed or cut by the scenario always are).
    top_origins : int
        The origins shipping most labelled (every market receiving freight is).
    top_busiest : int
        The busiest crossings shown in bold, placed before the markets.

    Returns
    -------
    list of Label
    """
    cats = crossing_categories(crossings)
    out: list[Label] = []
    special = crossings[cats.isin(["closed_by_scenario", "reduced"])]
    for r, cat in zip(special.itertuples(), cats[special.index]):
        suffix = " (closed)" if cat == "closed_by_scenario" else " (capacity cut)"
        out.append(Label(r.geometry.x, r.geometry.y, _crossing_text(r) + suffix, cat))
    busy = crossings[(cats == "open") & (crossings["trucks"] > 0.05)]
    for k, r in enumerate(busy.sort_values(["trucks", "name"], ascending=[False, True]).head(
            top_crossings).itertuples()):
        out.append(Label(r.geometry.x, r.geometry.y, _crossing_text(r),
                         "busiest" if k < top_busiest else "crossing"))
    if markets is not None and len(markets):
        for r in markets[markets["recv_t"] > 0.5].sort_values(
                ["recv_t", "name"], ascending=[False, True]).itertuples():
            out.append(Label(r.geometry.x, r.geometry.y, short_name(r.name), "market"))
    if origins is not None and len(origins):
        for r in origins[origins["shipped_t"] > 0.5].sort_values(
                ["shipped_t", "name"], ascending=[False, True]).head(top_origins).itertuples():
            out.append(Label(r.geometry.x, r.geometry.y, short_name(r.name), "origin"))
    return out


def _crossing_text(r) -> str:
    """Short name, with " rail" for a rail crossing (its name's "(rail)" is dropped)."""
    name = short_name(r.name)
    return name + (" rail" if getattr(r, "mode", "") == "rail" and
                   "rail" not in name.lower() else "")


@dataclass
class Placement:
    """What :func:`place_labels` did.

    Attributes
    ----------
    texts : list of Text
        The labels drawn.
    dropped : list of Label
        Labels left out because they overlapped a more important one after placement.
    """

    texts: list[Text] = field(default_factory=list)
    dropped: list[Label] = field(default_factory=list)


def place_labels(ax, labels: Sequence[Label], avoid_xy: np.ndarray | None = None,
                 obstacles: Sequence = (), iterations: int = 100) -> Placement:
    """Draw labels near their points, moved apart with adjustText; drop what still overlaps.

    Call it last, once the axes' limits are final. Labels are placed in order of priority;
    after adjustText's iterations (a fixed count, so the result is deterministic) a label
    whose box still overlaps a higher-priority one is removed.

    Parameters
    ----------
    ax : matplotlib Axes
    labels : sequence of Label
    avoid_xy : array (n, 2), optional
        Points (in data coordinates) labels should not cover, e.g. every crossing and node.
    obstacles : sequence of artists
        Texts already drawn that stay where they are (country names, the legend): labels are
        pushed away from them, and a label still on one is dropped.
    iterations : int
        adjustText iteration limit.

    Returns
    -------
    Placement
    """
    from adjustText import adjust_text

    order = sorted(labels, key=lambda lab: -lab.priority)
    texts = [ax.text(lab.x, lab.y, lab.text, zorder=11, bbox=HALO, ha="left", va="bottom",
                     **STYLE.get(lab.kind, STYLE["crossing"])) for lab in order]
    if not texts:
        return Placement()
    pts = np.array([[lab.x, lab.y] for lab in order])
    if avoid_xy is not None and len(avoid_xy):
        pts = np.vstack([pts, np.asarray(avoid_xy, float)])
    adjust_text(texts, x=pts[:, 0], y=pts[:, 1], objects=list(obstacles) or None, ax=ax,
                iter_lim=iterations, time_lim=None, expand=(1.1, 1.3),
                force_text=(0.3, 0.5), force_static=(0.2, 0.4), max_move=(20, 20),
                ensure_inside_axes=True)
    renderer = _renderer(ax.figure)
    kept, dropped = [], []
    boxes = [o.get_window_extent(renderer) for o in obstacles]
    for lab, t in zip(order, texts):
        box = t.get_window_extent(renderer).expanded(1.02, 1.05)
        if any(box.overlaps(b) for b in boxes):
            box = _free_position(ax, lab, t, boxes, renderer)
            if box is None:
                t.remove()
                dropped.append(lab)
                continue
        boxes.append(box)
        kept.append(t)
        _leader(ax, lab, t, box)
    return Placement(texts=kept, dropped=dropped)


#: candidate positions around a point tried for a label the placer left in a conflict, as
#: cartographic label engines do: (horizontal, vertical alignment, x and y offset in points)
_CANDIDATES = (("left", "bottom", 4, 4), ("right", "bottom", -4, 4), ("left", "top", 4, -4),
               ("right", "top", -4, -4), ("center", "bottom", 0, 8), ("center", "top", 0, -8),
               ("left", "center", 8, 0), ("right", "center", -8, 0))


def _free_position(ax, lab: Label, t: Text, boxes: list, renderer):
    """Move ``t`` to the first candidate position around its point that overlaps none of
    ``boxes`` and stays inside the axes; its box there, or ``None`` (``t`` is then left where
    it was, to be removed)."""
    from matplotlib.transforms import offset_copy

    frame = ax.get_window_extent(renderer)
    was = (t.get_position(), t.get_transform(), t.get_ha(), t.get_va())
    for ha, va, dx, dy in _CANDIDATES:
        t.set_position((lab.x, lab.y))
        t.set_transform(offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points"))
        t.set_ha(ha)
        t.set_va(va)
        box = t.get_window_extent(renderer).expanded(1.02, 1.05)
        inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                  and box.y1 <= frame.y1)
        if inside and not any(box.overlaps(b) for b in boxes):
            return box
    t.set_position(was[0])
    t.set_transform(was[1])
    t.set_ha(was[2])
    t.set_va(was[3])
    return None


def _leader(ax, lab: Label, t: Text, box, min_px: float = 8.0) -> None:
    """A thin line from a label's point to its text when the placer moved it away."""
    px, py = ax.transData.transform((lab.x, lab.y))
    nx, ny = min(max(px, box.x0), box.x1), min(max(py, box.y0), box.y1)
    if np.hypot(nx - px, ny - py) < min_px:
        return
    end = ax.transData.inverted().transform((nx, ny))
    ax.annotate("", xy=(lab.x, lab.y), xytext=tuple(end), zorder=10,
                arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5,
                            "shrinkA": 0, "shrinkB": 1.5})


def _renderer(fig):
    """The figure's renderer (Agg canvases have one; otherwise matplotlib makes one)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def overlapping_pairs(texts: Sequence[Text]) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap (for tests and checks), by their text."""
    if not texts:
        return []
    renderer = _renderer(texts[0].figure)
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [(texts[i].get_text(), texts[j].get_text()) for i in range(len(texts))
            for j in range(i + 1, len(texts)) if boxes[i].overlaps(boxes[j])]
