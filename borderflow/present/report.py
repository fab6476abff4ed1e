"""The run report: one self-contained HTML file an analyst can send (``borderflow report``).

:func:`build_report` reads a run folder (and optionally a baseline run folder) and returns an
HTML page with everything inside it, so it opens offline and survives being mailed:

1. **Summary**: status, horizon, verification, and the key figures (net value shown positive
   with revenue and costs beside it; tonnes, trucks, losses), against the baseline when there
   is one (``scenario minus baseline`` changes);
2. **What happened**: the narrative of :func:`borderflow.narrative.story`;
3. **Map**: the flow map of :func:`borderflow.maps.flow_map_png` (changes against the baseline
   when there is one), embedded as PNG;
4. **Charts**: queues per gate over the days (dated runs) and the cost components, embedded
   PNGs drawn with matplotlib;
5. **Tables**: busiest crossings with names, ``VN→CN`` directions and the value of capacity
   over open days (``closed`` when never open), changes by crossing, products, backlogs;
6. **Verification**: checks run and violations (the worst listed);
7. **Provenance**: borderflow and solver versions, the scenario, the options, every input file
   with its SHA-256 (and whether it changed since), and the quality and sources of the data on
   the crossings the run uses.

Numbers follow :mod:`borderflow.present.numbers`; the page is rendered with Jinja2 (template
``templates/report.html.j2``, autoescaped). The map and dataset sections need the run's inputs
(found from ``run.json`` as :func:`borderflow.io.find_inputs` does); when they cannot be found
the report says so in place of those sections.
"""

from __future__ import annotations

import base64
import io
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml

from borderflow.io import changed_inputs, read_metadata, read_run
from borderflow.model.results import ResultTables
from borderflow.present.names import (
    ARROW,
    capacity_value,
    label_directions,
    measure_name,
    short_name,
)
from borderflow.present.numbers import Horizon, fmt, net_value

#: comparison tables a run folder may hold (written by ``solve`` with disruptions)
DIFF_TABLES = ("crossing_changes", "product_changes", "cost_changes", "daily_crossing_changes",
               "rerouted")
#: summary measures of the key figures: (key, unit before /day)
KEY_FIGURES = (("net_value_usd", "USD"), ("revenue_usd", "USD"), ("cost_usd", "USD"),
               ("transport_cost_usd", "USD"), ("waiting_cost_usd", "USD"),
               ("lost_value_usd", "USD"), ("supply_t", "t"), ("shipped_t", "t"),
               ("unserved_t", "t"), ("spoiled_t", "t"), ("trucks", "trucks"))
VERIFICATION_TABLE = "verification"


def _png(fig, dpi: int = 110) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _read_diff(run_dir: Path) -> dict[str, pd.DataFrame] | None:
    found = {n: pd.read_parquet(run_dir / f"{n}.parquet") for n in DIFF_TABLES
             if (run_dir / f"{n}.parquet").exists()}
    return found if "cost_changes" in found else None


def _figures(summary: dict) -> dict[str, float]:
    nv = net_value(summary)
    out = {k: float(summary.get(k, 0.0) or 0.0) for k, _ in KEY_FIGURES
           if k in summary}
    out.update(net_value_usd=nv.net_value_usd, revenue_usd=nv.revenue_usd, cost_usd=nv.cost_usd)
    return out


def _key_figures(summary: dict, before: dict | None, horizon: Horizon) -> list[dict]:
    after = _figures(summary)
    rows = []
    for key, unit in KEY_FIGURES:
        if key not in after:
            continue
        u = horizon.total_unit(unit)
        name = "all costs" if key == "cost_usd" else measure_name(key)
        row = {"measure": name, "unit": u, "value": fmt(after[key], unit, with_unit=False)}
        if before is not None and key in before:
            row["baseline"] = fmt(before[key], unit, with_unit=False)
            row["change"] = fmt(after[key] - before[key], unit, sign=True, with_unit=False)
        rows.append(row)
    return rows


def _before_figures(base: ResultTables | None, diff: dict | None) -> dict | None:
    if base is not None:
        return _figures(base.summary)
    if diff is None:
        return None
    before = diff["cost_changes"].set_index("measure")["before"].astype(float).to_dict()
    return _figures(before) if {"objective_usd", "revenue_usd"} <= set(before) else before


def _busiest(results: ResultTables, horizon: Horizon, top: int = 15) -> list[dict]:
    cr = results.crossings
    if cr.empty:
        return []
    n = horizon.periods if horizon.dated else 1
    g = cr.groupby(["crossing_id", "direction"], as_index=False).agg(
        name=("name", "first"), from_country=("from_country", "first"),
        to_country=("to_country", "first"), mode=("mode", "first"),
        trucks=("flow_trucks", "sum"), capacity=("capacity_trucks_per_day", "mean"))
    g["trucks"] = g["trucks"] / n
    g = g.merge(capacity_value(cr), on=["crossing_id", "direction"])
    g = label_directions(g)
    g = g[g["trucks"] > 0.05].sort_values(["trucks", "crossing_id"], ascending=[False, True])
    rows = []
    for r in g.head(top).itertuples():
        util = r.trucks / r.capacity if r.capacity > 0 else None
        rows.append({"name": short_name(r.name), "id": r.crossing_id, "dir": r.dir,
                     "trucks": fmt(r.trucks, "trucks/day", with_unit=False),
                     "capacity": fmt(r.capacity, "trucks/day", with_unit=False),
                     "util": fmt(util, "share"), "value": r.value_label,
                     "open_days": f"{r.open_days} of {r.open_days + r.closed_days}"})
    return rows


def _changes(diff: dict | None, horizon: Horizon) -> list[dict]:
    if diff is None or "crossing_changes" not in diff or diff["crossing_changes"].empty:
        return []
    unit = "trucks/day" if not horizon.dated else "trucks"
    c = label_directions(diff["crossing_changes"])
    rows = []
    for r in c.itertuples():
        rows.append({"name": short_name(r.name), "id": r.crossing_id, "dir": r.dir,
                     "before": fmt(r.before_trucks, unit, with_unit=False),
                     "after": fmt(r.after_trucks, unit, with_unit=False),
                     "change": fmt(r.delta_trucks, unit, sign=True, with_unit=False),
                     "closed": not bool(r.open_after)})
    return rows


def _products(results: ResultTables, names: dict[str, str]) -> list[dict]:
    rows = []
    for r in results.products.sort_values("product_id").itertuples():
        rows.append({"name": names.get(r.product_id, r.product_id), "id": r.product_id,
                     "shipped": fmt(r.shipped_t, "t", with_unit=False),
                     "unserved": fmt(r.unserved_t, "t", with_unit=False),
                     "spoiled": fmt(r.spoiled_t, "t", with_unit=False),
                     "lost": fmt(r.lost_value_usd, "USD", with_unit=False)})
    return rows


def _backlog(results: ResultTables) -> list[dict]:
    b = results.backlog
    if b.empty:
        return []
    cr = results.crossings.drop_duplicates(["crossing_id", "direction"])
    b = b.merge(cr[["crossing_id", "direction", "name", "from_country", "to_country"]],
                on=["crossing_id", "direction"], how="left")
    b = label_directions(b)
    rows = []
    for r in b.sort_values("peak_queue_trucks", ascending=False).itertuples():
        rows.append({"name": short_name(r.name), "id": r.crossing_id, "dir": r.dir,
                     "start": r.start_date, "peak": fmt(r.peak_queue_trucks, "trucks",
                                                        with_unit=False),
                     "peak_date": r.peak_date,
                     "cleared": r.clear_date if isinstance(r.clear_date, str) and r.clear_date
                     else "not within the horizon",
                     "waited": fmt(r.truck_days_waited, "truck-days", with_unit=False),
                     "cost": fmt(r.waiting_cost_usd, "USD", with_unit=False)})
    return rows


def _queue_chart(results: ResultTables, top: int = 6) -> str | None:
    q = results.queues
    if q.empty or q["queue_trucks"].max() < 0.5:
        return None
    import matplotlib.pyplot as plt

    cr = results.crossings.drop_duplicates(["crossing_id", "direction"]).set_index(
        ["crossing_id", "direction"])
    peaks = q.groupby(["crossing_id", "direction"])["queue_trucks"].max()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for cid, d in peaks.sort_values(ascending=False).head(top).index:
        part = q[(q["crossing_id"] == cid) & (q["direction"] == d)].sort_values("period")
        row = cr.loc[(cid, d)]
        label = f"{short_name(row['name'])} {row['from_country']}{ARROW}{row['to_country']}"
        ax.plot(pd.to_datetime(part["date"]), part["queue_trucks"], lw=1.6, label=label)
    ax.set_ylabel("trucks waiting (end of day)")
    ax.set_title("Queues at the gates", loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


def _cost_chart(summary: dict, before: dict | None, horizon: Horizon) -> str:
    import matplotlib.pyplot as plt

    parts = [("transport_cost_usd", "transport"), ("waiting_cost_usd", "waiting at gates"),
             ("lost_value_usd", "value not shipped")]
    fig, ax = plt.subplots(figsize=(9, 2.8))
    labels = [p[1] for p in parts]
    y = range(len(parts))
    after = [float(summary.get(k, 0.0) or 0.0) for k, _ in parts]
    if before is not None:
        base = [float(before.get(k, 0.0) or 0.0) for k, _ in parts]
        ax.barh([v + 0.2 for v in y], base, height=0.38, color="#9e9e9e", label="baseline")
        ax.barh([v - 0.2 for v in y], after, height=0.38, color="#d95f02", label="scenario")
        ax.legend(fontsize=8, frameon=False)
    else:
        ax.barh(list(y), after, height=0.5, color="#d95f02")
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"USD {horizon.scope}")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("Costs", loc="left", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _provenance(run_dir: Path, meta: dict, net) -> dict[str, Any]:
    inputs = [{"file": f, "sha256": s} for f, s in sorted(meta.get("input_sha256", {}).items())]
    try:
        changed = {f for f, _, _ in changed_inputs(run_dir, meta)}
    except Exception as err:  # noqa: BLE001 - a report notes what it could not check
        changed, note = set(), f"not checked ({err})"
    else:
        note = None
    for row in inputs:
        row["changed"] = row["file"] in changed
    out: dict[str, Any] = {
        "version": meta.get("borderflow_version", "?"), "solver": meta.get("solver", "?"),
        "python": meta.get("python_version", "?"), "inputs": inputs, "changed_note": note,
        "scenario": yaml.safe_dump(meta.get("scenario", {}), sort_keys=False,
                                   allow_unicode=True).strip(),
        "options": yaml.safe_dump(meta.get("options", {}), sort_keys=False).strip(),
        "quality": [], "crossing_sources": []}
    if net is None:
        return out
    tables = net.tables
    for name in ("crossings", "links", "nodes", "supply", "markets", "products", "parameters"):
        df = getattr(tables, name, None)
        if df is None or "quality" not in df.columns:
            continue
        counts = df["quality"].fillna("unstated").value_counts().sort_index()
        out["quality"].append({"table": name, "rows": len(df),
                               "by_quality": ", ".join(f"{q} {n}" for q, n in counts.items())})
    return out


def _crossing_sources(net, results: ResultTables) -> list[dict]:
    if net is None or results.crossings.empty:
        return []
    used = results.crossings.groupby("crossing_id")["flow_trucks"].sum()
    used = set(used[used > 0.05].index)
    tab = net.tables.crossings
    rows = []
    for r in tab[tab["crossing_id"].isin(used)].sort_values("crossing_id").itertuples():
        rows.append({"name": short_name(r.name), "id": r.crossing_id, "quality": r.quality,
                     "year": r.source_year, "source": r.source})
    return rows


def _map(run_dir: Path, base: ResultTables | None) -> tuple[str | None, Any, str | None]:
    """(flow map PNG as base64, the run's network, note when the map could not be drawn)."""
    from borderflow.data.errors import InputError
    from borderflow.gis import load_run
    from borderflow.maps import flow_map_png

    try:
        run = load_run(run_dir)
    except InputError as err:
        return None, None, f"map and dataset sections left out: {err}"
    with tempfile.TemporaryDirectory(prefix="borderflow-report-") as tmp:
        out = flow_map_png(run, Path(tmp) / "map.png", baseline=base)
        png = base64.b64encode(out.read_bytes()).decode("ascii")
    return png, run.net, None


def build_report(run_dir: Path | str, baseline_dir: Path | str | None = None) -> str:
    """The HTML report of a run folder (self-contained: images and styles inside).

    Parameters
    ----------
    run_dir : path
        A run folder written by ``borderflow solve`` or ``reroute``.
    baseline_dir : path, optional
        A baseline run folder to compare with. Without it, the comparison the run folder holds
        (``solve`` of a scenario with disruptions writes one against its undisrupted
        counterfactual) is used, if any.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    InputError
        If ``run_dir`` (or ``baseline_dir``) is not a run folder.
    """
    from borderflow.compare import compare
    from borderflow.narrative import story

    run_dir = Path(run_dir)
    results = read_run(run_dir)
    meta = read_metadata(run_dir)
    base = read_run(baseline_dir) if baseline_dir is not None else None
    diff = compare(base, results) if base is not None else _read_diff(run_dir)
    horizon = Horizon.from_summary(results.summary, meta.get("scenario"))
    before = _before_figures(base, diff)
    png, net, map_note = _map(run_dir, base)
    product_names = {} if net is None else dict(zip(net.tables.products["product_id"],
                                                    net.tables.products["name"]))
    s = results.summary
    verification = _verification(run_dir, s)
    nv = net_value(s)
    context = {
        "scenario": s.get("scenario", run_dir.name), "run_dir": str(run_dir),
        "baseline_dir": None if baseline_dir is None else str(baseline_dir),
        "compared": "the baseline run " + str(baseline_dir) if base is not None else (
            "the same scenario without its disruptions" if diff is not None else None),
        "status": s.get("status", "?"), "horizon": horizon,
        "net_value": nv.sentence(horizon),
        "figures": _key_figures(s, before, horizon), "has_baseline": before is not None,
        "narrative": story(results, diff), "map_png": png, "map_note": map_note,
        "queue_png": _queue_chart(results), "cost_png": _cost_chart(s, before, horizon),
        "busiest": _busiest(results, horizon), "changes": _changes(diff, horizon),
        "change_unit": "trucks/day" if not horizon.dated else f"trucks, {horizon.scope}",
        "products": _products(results, product_names), "backlog": _backlog(results),
        "verification": verification,
        "provenance": _provenance(run_dir, meta, net),
        "crossing_sources": _crossing_sources(net, results),
    }
    env = jinja2.Environment(loader=jinja2.PackageLoader("borderflow.present", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    return env.get_template("report.html.j2").render(**context)


def _verification(run_dir: Path, summary: dict) -> dict:
    path = run_dir / f"{VERIFICATION_TABLE}.parquet"
    if not path.exists():
        return {"ran": False, "checks": 0, "violations": 0, "worst": []}
    rep = pd.read_parquet(path)
    bad = rep[~rep["ok"].astype(bool)].sort_values("amount", ascending=False, kind="stable")
    worst = [{"check": r.check, "entity": r.entity, "amount": f"{r.amount:.6g}",
              "unit": r.unit} for r in bad.head(10).itertuples()]
    return {"ran": True, "checks": len(rep), "violations": len(bad), "worst": worst}


def write_report(run_dir: Path | str, out: Path | str,
                 baseline_dir: Path | str | None = None) -> Path:
    """Write :func:`build_report` to ``out`` atomically (UTF-8).

    Returns
    -------
    Path
    """
    from borderflow.io import atomic_write

    page = build_report(run_dir, baseline_dir)
    return atomic_write(Path(out), lambda tmp: tmp.write_text(page, encoding="utf-8"))


def write_report_pdf(run_dir: Path | str, out: Path | str,
                     baseline_dir: Path | str | None = None) -> Path:
    """Write the report as a PDF (A4, the page's print styles) with WeasyPrint.

    WeasyPrint is the optional extra ``borderflow[pdf]``; it draws text with the system's Pango
    library (Debian: ``libpango-1.0-0``, present wherever Chromium or a desktop is). The
    report of a real run (11 A4 pages) takes about 2.5 s.

    Returns
    -------
    Path

    Raises
    ------
    RuntimeError
        If WeasyPrint or Pango is missing (the message says what to install).
    """
    from borderflow.io import atomic_write

    try:
        import weasyprint
    except (ImportError, OSError) as err:
        raise RuntimeError("PDF reports need WeasyPrint and the Pango library: "
                           "pip install 'borderflow[pdf]' (Debian: apt-get install "
                           f"libpango-1.0-0); {err}") from err
    page = build_report(run_dir, baseline_dir)
    return atomic_write(Path(out), lambda tmp: weasyprint.HTML(string=page).write_pdf(tmp))
