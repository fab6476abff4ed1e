"""Bands in a run folder: ``borderflow solve --samples N`` puts the run's bands next to its
point values, in ``summary.json`` (field ``bands``), the run's story and its maps.

:func:`summary_bands` turns an :class:`~borderflow.uncertainty.result.UncertaintyResult` of the
run's own scenario into a JSON-able dict::

    {"samples": 30, "method": "latin_hypercube", "seed": 0, "route_set": "...",
     "routing": {"samples": 30, "certified": 30, "max_gap_bound_usd": 0.0, ...},
     "measures": {"cost_usd": {"point": .., "p10": .., "p50": .., "p90": .., "unit": ..},
                  "cost_increase_usd": {...}, ...},
     "gates": {"<crossing>": {"queue_peak_trucks:<direction>": {...}}}}   # dated runs

:func:`band_sentence` says the headline with its band ("... +55,400 USD/day (P10–P90:
30,400–85,100) over 30 samples"); :func:`gate_band_rows` gives a gate's rows for the map's
tooltip and :func:`legend_line` the map legend's line (:mod:`borderflow.html_map`).
"""

from __future__ import annotations

import math

import pandas as pd

from .format import quote, with_band
from .result import _unit

#: the measures put in the summary
MEASURES = ("cost_usd", "unserved_t", "spoiled_t", "cost_increase_usd", "unserved_increase_t",
            "spoiled_increase_t")
GATE_MEASURES = ("queue_peak_trucks", "clear_day")


def _band(r: pd.Series, unit: str) -> dict:
    def num(x):
        x = float(x)
        return None if math.isnan(x) else (x if math.isfinite(x) else str(x))
    return {"point": num(r["point"]), "p10": num(r["p10"]), "p50": num(r["p50"]),
            "p90": num(r["p90"]), "unit": unit, "samples": int(r["samples"])}


def summary_bands(u) -> dict:
    """The bands of a run's own scenario as ``summary.json`` holds them (see module doc)."""
    m = u.metadata
    out = {"samples": int(m["samples"]), "method": m["method"], "seed": int(m["seed"]),
           "route_set": m["route_set"], "routing": m.get("routing"),
           "ranges_sha256": m.get("ranges_sha256"),
           "quantiles": "P10/P50/P90 over the samples (numpy type 7)", "measures": {},
           "gates": {}}
    scen = u.summary[u.summary["scenario"] == "scenario"].set_index("measure")
    inc = u.increase.set_index("measure") if u.increase is not None else pd.DataFrame()
    for measure in MEASURES:
        table = inc if "_increase_" in measure else scen
        if measure in table.index:
            out["measures"][measure] = _band(table.loc[measure], _unit(measure, u.dated))
    for measure, r in scen.iterrows():
        parts = str(measure).split(":")
        if len(parts) == 3 and parts[0] in GATE_MEASURES:
            out["gates"].setdefault(parts[1], {})[f"{parts[0]}:{parts[2]}"] = _band(
                r, _unit(parts[0], u.dated))
    return out


def band_sentence(bands: dict) -> str:
    """The run's headline with its band, in a sentence."""
    m = bands["measures"]
    n = bands["samples"]
    tail = f" over {n:,} samples of the dataset's ranges ({_routing_words(bands)})"
    if "cost_increase_usd" in m:
        b = m["cost_increase_usd"]
        return ("With the uncertain inputs, the disruption costs "
                + with_band(b["point"], b["p10"], b["p90"], b["unit"], sign=True) + tail)
    b = m["cost_usd"]
    return ("With the uncertain inputs, the net cost is "
            + with_band(b["point"], b["p10"], b["p90"], b["unit"]) + tail)


def gate_band_rows(bands: dict | None, crossing_id: str) -> tuple[tuple[str, str], ...]:
    """Tooltip rows of a gate's bands (``(label, "P10–P90: a–b")``), empty without."""
    if not bands:
        return ()
    rows = []
    for key, b in sorted(bands.get("gates", {}).get(crossing_id, {}).items()):
        measure, direction = key.split(":")
        label = "peak queue" if measure == "queue_peak_trucks" else "clears on day"
        rows.append((f"{label} {direction.replace('_', ' ')} P10\u2013P90",
                     f"{_q(b['p10'])}\u2013{_q(b['p90'])}"))
    return tuple(rows)


def _q(x) -> str:
    return "not cleared" if isinstance(x, str) else quote(x)


def short_line(bands: dict | None) -> str:
    """The headline band in a line short enough for a static map's subtitle."""
    if not bands:
        return ""
    m = bands["measures"]
    key, what = ("cost_increase_usd", "cost of the disruption") if "cost_increase_usd" in m \
        else ("cost_usd", "net cost")
    b = m[key]
    return (f"{what} " + with_band(b["point"], b["p10"], b["p90"], b["unit"],
                                   sign=key == "cost_increase_usd")
            + f", {bands['samples']:,} samples ({_routing_words(bands)})")


def _routing_words(bands: dict) -> str:
    """How many samples are certified optimal over every route, in a few words."""
    r = bands.get("routing") or {}
    n, c = r.get("samples", 0), r.get("certified", 0)
    if not n:
        return "routes not priced: restricted optima"
    if c == n:
        return "all certified"
    gap = r.get("max_gap_bound_usd")
    return f"{c:,} certified, {n - c:,} restricted" + (
        "" if gap is None else f", gap <= {quote(gap)} USD/day")


def legend_line(bands: dict | None) -> str:
    """The map legend's line (plain text), empty without bands."""
    return band_sentence(bands) if bands else ""


def attach_bands(res, tables, scenario, options, samples: int, seed: int = 0,
                 on_progress=None) -> dict:
    """Solve ``res``'s scenario under ``samples`` samples (:func:`borderflow.uncertainty`,
    no sensitivity design) and put the bands in its summary (``bands``) and story.

    Returns
    -------
    dict
        The ``bands`` field (:func:`summary_bands`).
    """
    from .run import uncertainty

    u = uncertainty(tables, scenario, options, samples=samples, seed=seed, sensitivity="none",
                    on_progress=on_progress)
    bands = summary_bands(u)
    res.summary["bands"] = bands
    res.story.append(band_sentence(bands))
    return bands
