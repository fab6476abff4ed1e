"""A few plain sentences that say what happened in a run (and against its baseline).

Amounts say what they cover: a static run's totals are per (representative) day, a dated run's
add up its days (``over the 27 days 2024-01-01 to 2024-01-27``), never "over the horizon" for a
single day. Money is quoted as net value (revenue minus costs), with what moved in costs and
revenue beside it (:mod:`borderflow.present.numbers`).
"""

from __future__ import annotations

import pandas as pd

from borderflow.model.results import ResultTables
from borderflow.present.names import short_name
from borderflow.present.numbers import Horizon, fmt, fmt_money

#: a change in net value below this (USD) is no change
ZERO_USD = 0.5


def _names(results: ResultTables) -> dict[str, str]:
    return dict(zip(results.crossings["crossing_id"], results.crossings["name"]))


def class_fifo_line(summary) -> str | None:
    """A sentence when the plan's gates do not clear first come, first served across goods
    within a lane class (``summary.class_fifo``), with the cost of doing so; ``None``
    otherwise."""
    c = summary.get("class_fifo")
    if not c or c.get("out_of_order_t", 0.0) < 0.05:
        return None
    shown = c.get("tables_show") == "class_fifo replay"
    head = (f"The gates clear {fmt(c['out_of_order_t'], 't')} out of arrival order across "
            "goods in the " + ("plan" if summary.get("dispatch") == "realistic" else "optimum")
            + (" (the tables show the first-come-first-served replay)"
                                      if shown else ""))
    if not c.get("feasible", True):
        return (f"{head}; first come, first served would exceed market demand by "
                f"{fmt(c['demand_excess_t'], 't')}, so it is not a feasible plan as it stands")
    return (f"{head}; cleared first come, first served within each lane class the same trucks "
            f"cost {fmt_money(c['gap_usd'])} more ({c['gap_pct']:.2f} %), the most a "
            "first-come-first-served border can cost beyond the optimum")


def _per(horizon: Horizon) -> str:
    """``"per day"`` for a static run, ``"over the 27 days ..."`` for a dated one."""
    return "per day" if not horizon.dated else horizon.scope


def _value_line(cost: pd.DataFrame, horizon: Horizon, rerouted: bool) -> str:
    """Net value against the baseline, with the changes in costs and revenue."""
    d = cost.set_index("measure")["delta"].astype(float)
    net = -d.get("objective_usd", 0.0)
    revenue = d.get("revenue_usd", 0.0)
    costs = revenue + d.get("objective_usd", 0.0)
    if abs(net) < ZERO_USD:
        why = "the flow found routes as cheap" if rerouted else \
            "no flow used what the scenario changed"
        return f"net value unchanged against the baseline ({why})"
    verb = "falls" if net < 0 else "rises"
    parts = [f"{what} {fmt_money(v, sign=True)}" for what, v in (("costs", costs),
                                                                 ("revenue", revenue))
             if abs(v) >= ZERO_USD]
    return (f"net value {verb} by {fmt_money(abs(net), per=_per(horizon))} against the "
            f"baseline ({', '.join(parts)})")


def _unmeetable_lines(summary: dict) -> list[str]:
    """A sentence per destination-share rule no route of the run's set can meet
    (``routes.unmeetable_share_rules``, :func:`borderflow.model.routes.unmeetable_share_rules`):
    its low row holds the rule's deliveries to China at 0, which must never pass silently."""
    rules = (summary.get("routes") or {}).get("unmeetable_share_rules") or []
    return [f"No route in the model reaches the region of share rule {rule}: its low share "
            "row holds these origins' deliveries of these products to China at 0 t"
            for rule in rules]


def story(results: ResultTables, diff: dict[str, pd.DataFrame] | None = None,
          max_lines: int = 6, product_names: dict[str, str] | None = None) -> list[str]:
    """Sentences for the CLI summary, most important first.

    e.g. "Boten–Mohan queue peaks at 2,100 trucks on 2021-11-04 and clears on 2021-11-19",
    "1,234 t of Banana spoil (USD 0.60 m of produce lost)", "8,000 t reroute per day, mostly
    via Kim Thanh–Hekou (5,000 t)", "net value falls by USD 1.37 m per day against the
    undisrupted baseline (costs +USD 0.95 m, revenue -USD 0.42 m)".

    Parameters
    ----------
    results : ResultTables
    diff : dict, optional
        The comparison with the baseline (:func:`borderflow.compare.compare`).
    max_lines : int
    product_names : dict, optional
        Product id -> display name (default: the ids).
    """
    names = _names(results)
    products = product_names or {}
    horizon = Horizon.from_summary(results.summary)
    lines = _unmeetable_lines(results.summary)
    backlog = results.backlog.sort_values("peak_queue_trucks", ascending=False)
    for r in backlog.head(3).itertuples(index=False):
        if r.peak_queue_trucks < 1:
            continue
        clear = f"clears on {r.clear_date}" if isinstance(r.clear_date, str) and r.clear_date \
            else "does not clear in the modelled days"
        start = "" if r.start_date == r.peak_date else f"builds from {r.start_date}, "
        gate = short_name(names.get(r.crossing_id, r.crossing_id), keep=("rail",))
        lines.append(f"{gate} queue {start}"
                     f"peaks at {fmt(r.peak_queue_trucks, 'trucks', with_unit=False)} trucks "
                     f"on {r.peak_date} and {clear} "
                     f"({fmt(r.truck_days_waited, 'truck-days')} waited)")
    spoiled = results.products.sort_values("spoiled_t", ascending=False)
    for r in spoiled.head(3).itertuples(index=False):
        if r.spoiled_t >= 0.5:
            lines.append(f"{fmt(r.spoiled_t, 't')} of {products.get(r.product_id, r.product_id)}"
                         f" spoil {_per(horizon)} ({fmt_money(r.lost_value_usd)} of produce "
                         "lost)")
    if diff is not None:
        rer = diff.get("rerouted")
        moved = rer is not None and len(rer) > 0
        if moved:
            via = rer.groupby("via")["via_t"].sum().sort_values(ascending=False)
            gate = short_name(names.get(via.index[0], via.index[0]), keep=("rail",))
            lines.append(f"{fmt(rer['rerouted_t'].sum(), 't')} reroute {_per(horizon)}, "
                         f"mostly via {gate} ({fmt(via.iloc[0], 't')})")
        if "cost_changes" in diff:
            lines.append(_value_line(diff["cost_changes"], horizon, moved))
    lines = lines[:max_lines]
    lanes = class_fifo_line(results.summary)
    if lanes:
        lines.append(lanes)
    value = results.summary.get("value_of_foresight_usd")
    if results.summary.get("dispatch") == "realistic" and value is not None:
        news = list(results.summary.get("decision_dates") or [])[1:]
        when = f"re-planned on {', '.join(news)} as news arrived" if news else \
            "nothing was announced after day 0"
        lines.append(f"Realistic dispatch (a policy simulation, not an optimum: {when}) costs "
                     f"{fmt_money(value)} more than perfect foresight {_per(horizon)} (the "
                     "value of foresight)")
        return lines
    if results.summary.get("routing") == "restricted" and results.summary.get("optimality"):
        lines.append(f"Not proven optimal over every route: {results.summary['optimality']}")
    return lines
