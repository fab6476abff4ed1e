"""A few plain sentences that say what happened in a run (and against its baseline)."""

from __future__ import annotations

import pandas as pd

from borderflow.model.results import ResultTables


def _names(results: ResultTables) -> dict[str, str]:
    return dict(zip(results.crossings["crossing_id"], results.crossings["name"]))


def story(results: ResultTables, diff: dict[str, pd.DataFrame] | None = None,
          max_lines: int = 6) -> list[str]:
    """Sentences for the CLI summary, most important first.

    e.g. "Boten–Mohan queue peaks at 2,100 trucks on 2021-11-04 and clears on 2021-11-19",
    "1,234 t of banana spoil (USD 0.6 m)", "8,000 t reroute, mostly via Kim Thanh–Hekou".
    """
    names = _names(results)
    lines = []
    backlog = results.backlog.sort_values("peak_queue_trucks", ascending=False)
    for r in backlog.head(3).itertuples(index=False):
        if r.peak_queue_trucks < 1:
            continue
        clear = f"clears on {r.clear_date}" if isinstance(r.clear_date, str) and r.clear_date \
            else "does not clear in the modelled days"
        start = "" if r.start_date == r.peak_date else f"builds from {r.start_date}, "
        lines.append(f"{names.get(r.crossing_id, r.crossing_id)} queue {start}peaks at "
                     f"{r.peak_queue_trucks:,.0f} trucks on {r.peak_date} and {clear} "
                     f"({r.truck_days_waited:,.0f} truck-days waited)")
    spoiled = results.products.sort_values("spoiled_t", ascending=False)
    for r in spoiled.head(3).itertuples(index=False):
        if r.spoiled_t >= 0.5:
            lines.append(f"{r.spoiled_t:,.0f} t of {r.product_id} spoil "
                         f"(USD {r.lost_value_usd / 1e6:,.2f} m of produce lost)")
    if diff is not None:
        rer = diff.get("rerouted")
        if rer is not None and len(rer):
            via = rer.groupby("via")["via_t"].sum().sort_values(ascending=False)
            lines.append(f"{rer['rerouted_t'].sum():,.0f} t reroute over the horizon, mostly "
                         f"via {names.get(via.index[0], via.index[0])} "
                         f"({via.iloc[0]:,.0f} t)")
        cost = diff["cost_changes"].set_index("measure")
        if "objective_usd" in cost.index:
            lines.append(f"net cost rises by USD {cost.loc['objective_usd', 'delta'] / 1e6:,.2f} m"
                         f" against the undisrupted baseline")
    return lines[:max_lines]
