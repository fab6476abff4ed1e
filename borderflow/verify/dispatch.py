"""Checks of a realistic (non-anticipative) dispatch run, recomputed from the scenario alone.

A realistic run's solution is a policy, not an optimum (:mod:`borderflow.solvers.informed`):
the solution checks of the other modules (capacity, closures, queues, money) hold for it as
for any run, against the *real* calendar. This module adds what is particular to it, without
importing the model's information module:

=====================  ========================================================================
check                  what must hold
=====================  ========================================================================
foresight_bound        objective_usd >= foresight_objective_usd (foresight is a lower bound)
value_of_foresight     value_of_foresight_usd = objective_usd - foresight_objective_usd
announced_in_time      every event is announced on or before its first day (else a day's
                       rows would have been planned on a wrong calendar)
replanned_on_news      decision_dates = the horizon's first day and every day within the
                       horizon on which an event or a reopening date was announced, or
                       (reopening_odds) a possible reopening date passed still closed (the
                       dispatcher planned on day 0 and re-planned on each day news arrived,
                       never knowing an event before its announcement); decision_days is
                       their number
reaction_lag           reaction_lag_days is a whole number of days >= 0 and, when the
                       scenario states ``reaction_lag_days``, that value (the trucks loaded in
                       the lag after news follow the earlier plan; which trucks those are
                       is not re-derivable from the run folder alone: the hand-computed
                       cases of tests/test_realistic.py check it)
keep_coming            drivers who keep coming (summary ``keep_coming_share`` s > 0 and
                       ``keep_coming_days`` D > 0, or a gate's own window D_c in
                       ``keep_coming_days_by_gate``, each a whole number of days 0-60): each
                       row of ``keep_coming.parquet`` belongs to a window re-derived here
                       (one per disruption episode of its crossing c and direction: a run
                       of consecutive days on which a closure or capacity event of c in
                       that direction is in force; news = the episode's first announcement
                       after day 0 of one of its events, later ones start nothing;
                       dispatch days ``[news + lag, news + lag + D_c)``, D_c = D for a gate
                       without its own), its route's last
                       gate arc (its queue gate) is that crossing in that direction,
                       ``floor_t = s x
                       pre_news_flow_t``, the route flow that day is at least ``floor_t``, and
                       the floors add up to ``keep_coming_floor_t`` (the pre-news plan's tonnes
                       are not re-derivable from the run folder alone: tests/test_keep_coming.py
                       checks them by hand); a route in no route table (it carries nothing all
                       horizon) has an unknown gate: its row passes only as a zero row (floor
                       and pre-news tonnes 0)
keep_coming_complete   per window (as above; its days ``[first, end)``, those within the
                       horizon): the table lists one row for *every* route flow of the window,
                       zero rows (pre-news tonnes 0) included, and nothing else. The route
                       flows it must list: each (route, product) pair the folder knows whose
                       route's queue gate (its last crossing in ``route_arcs``) is the window's
                       crossing and direction (pairs of ``route_flows`` on any day, and pairs
                       of the table itself whose route is in ``route_arcs``), on each window
                       day ``p`` with ``p + floor(gate offset_h / 24)`` inside the modelled
                       days (the model has a route flow only if it reaches its gate by then).
                       Amount: missing + extra route flows (a row twice, or a row of a known
                       route not among them). Proven: no route flow of such a pair is missing
                       (an emptied table, a window's rows or a zero row dropped fail), so every
                       pair the plan before the news had loaded on its own days, and every
                       pair the policy loads, is listed on every window day. Not proven: a
                       pair that carries nothing on any day of the run (no route table names
                       it) may be missing; its floor, were it > 0, would have made it carry
                       cargo (unless the floor itself was lost with it). Not re-derivable: the
                       pre-news tonnes themselves (the plan before the news is not in the run
                       folder; tests/test_keep_coming.py checks them by hand)
unwarned_transit       each row of ``unwarned_transit.parquet`` (transit route-days not
                       dispatched) is due to a closure, throttle or ramp-up of its crossing
                       and direction announced on its ``news_date`` (after day 0) with the
                       dispatch day before ``news + lag`` and the day it reaches the crossing
                       inside the event's window; the route carries nothing that day; the
                       route-days add up to ``unwarned_transit_route_days``
dispatch_rule          every dated run whose summary says why it has its ``dispatch``
                       (``dispatch_reason``): the mode that ran is the one the rule of
                       ``--dispatch`` gives, re-derived here from the scenario alone. Asked
                       for explicitly (``asked for (M)``): M. ``auto`` for a command that
                       needs the optimum of each scenario (sweeps, samples, responses;
                       ``auto: ... needs the optimum ...``): foresight. Otherwise ``auto``:
                       realistic when news arrives after the first day (the news days of
                       ``replanned_on_news``), foresight when every event is known on day 0.
                       A reason of another form fails. Not proven: a folder without
                       ``dispatch_reason`` (made before the record, or the key removed) is
                       not checked by this row
ramp_capacity          every run (dated): on each day of a ramp-up, the capacity the checks
                       use is at most ``start + (nominal - start) * i / days`` with ``nominal``
                       the crossing's capacity in crossings.csv (recomputed here from the
                       scenario and the input table, not from the model's calendar)
=====================  ========================================================================
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .report import rows


def _first_day(ev) -> dt.date | None:
    window = getattr(ev, "close", None)
    return window.start if window is not None else getattr(ev, "start", None)


def _news_days(scenario) -> set[int]:
    start, n = scenario.horizon.start, scenario.horizon.days
    days = set()
    for ev in scenario.events:
        if type(ev).__name__ == "PriorityEvent":
            continue
        told = max(ev.announced or _first_day(ev) or start, start)
        days.add((told - start).days)
        reopening = getattr(ev, "reopening_announced", None)
        if reopening is not None:
            days.add((max(reopening, told) - start).days)
        odds = getattr(ev, "reopening_odds", None)
        if odds:  # each possible date passed still closed, and the reopening day itself
            opened = ev.close.end + dt.timedelta(days=1)
            days |= {(d - start).days for d in odds if told < d <= opened}
    return {d for d in days if 0 < d < n}


def _keep_windows(scenario, lag: int, days: int, by_gate: dict | None = None) -> set:
    """``(crossing, direction, news date ISO, first period, end period)`` of each keep-coming
    window (module docstring), from the scenario and the windows' lengths alone (``days``, or
    the crossing's own in ``by_gate``): one per disruption episode with news after day 0,
    from the episode's first such news."""
    start, own = scenario.horizon.start, dict(by_gate or {})
    spans = []  # (crossing, direction, first day, last day or None, news day)
    for ev in scenario.events:
        if type(ev).__name__ not in ("CloseEvent", "CapacityEvent"):
            continue
        window = getattr(ev, "close", None) or ev.window
        told = max(ev.announced or _first_day(ev) or start, start)
        first = max((window.start - start).days, 0) if window.start is not None else 0
        last = (window.end - start).days if window.end is not None else None
        if last is not None and last < 0:
            continue
        way = getattr(ev, "direction", "both")
        for d in (("a_to_b", "b_to_a") if way == "both" else (way,)):
            spans.append((ev.crossing, d, first, last, (told - start).days))
    cap = 2 + max([0] + [x for s in spans for x in (s[2], s[3], s[4]) if x is not None])
    restricted: dict = {}  # (crossing, direction) -> the days some event is in force
    for c, d, first, last, _ in spans:
        restricted.setdefault((c, d), set()).update(range(first, (cap if last is None
                                                                   else last) + 1))
    news: dict = {}  # (crossing, direction, episode's first day) -> its news days after 0
    for c, d, first, _, a in spans:
        begin = first
        while begin - 1 in restricted[(c, d)]:  # back to the day the episode began
            begin -= 1
        if a > 0:
            news.setdefault((c, d, begin), []).append(a)
    out = set()
    for (c, d, _), told in news.items():
        a, n = min(told), int(own.get(c, days))
        if n > 0:
            out.add((c, d, (start + dt.timedelta(days=a)).isoformat(), a + lag, a + lag + n))
    return out


def _whole_days(by_gate) -> np.ndarray:
    """Per gate of ``keep_coming_days_by_gate``: 0 if its window is a whole number of days
    within 0-60, else 1 (a window the run could not have had)."""
    def ok(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 60
    return np.array([0.0 if ok(v) else 1.0 for v in by_gate.values()])


def _route_gates(res) -> tuple[dict, dict]:
    """Per route the folder knows: its queue gate ``crossing:direction`` (its last crossing)
    and the whole days from dispatch to that gate (``floor(offset_h / 24)``), from
    ``route_arcs`` (every route that carries cargo) and, for the gate only, ``route_flows``'
    ``crossings``."""
    rf = res.route_flows
    gate = dict(zip(rf["route_id"], rf["crossings"].astype(str).str.split("+").str[-1]))
    offset = {}
    ra = getattr(res, "route_arcs", None)
    if ra is not None and len(ra.columns):
        last = ra[ra["kind"] == "crossing"].sort_values(["route_id", "seq"], kind="stable") \
            .groupby("route_id", sort=False).tail(1)
        for r, c, d, h in zip(last["route_id"], last["element_id"], last["direction"],
                              last["offset_h"]):
            gate[r] = f"{c}:{d}"
            offset[r] = int(np.floor(float(h) / 24.0))
    return gate, offset


def _complete_rows(res, t, windows, f, gate: dict, offset: dict):
    """``keep_coming_complete`` rows (module docstring): per window, the route flows its rows
    must be, against those they are."""
    n_days, n_all = f.scenario.horizon.days, len(f.labels)
    at = {}  # gate -> the (route, product) pairs the folder knows there
    pairs = set(zip(res.route_flows["route_id"], res.route_flows["product_id"])) | set(
        zip(t["route_id"], t["product_id"]))
    for r, q in pairs:
        if r in offset:
            at.setdefault(gate[r], set()).add((r, q))
    listed = {}  # window key -> its rows' (route, product, day)
    for key in zip(t["crossing_id"], t["direction"], t["news_date"], t["route_id"],
                   t["product_id"], t["period"]):
        listed.setdefault(key[:3], []).append((key[3], key[4], int(key[5])))
    # rows but none with a zero floor: likely a folder written before zero rows were listed
    no_zero_rows = len(t) > 0 and not bool((t["floor_t"].to_numpy(float) == 0).any())
    names, amounts = [], []
    for c, d, news, first, end in sorted(windows):
        days = range(max(first, 0), min(end, n_days))
        want = {(r, q, p) for r, q in at.get(f"{c}:{d}", ()) for p in days
                if p + offset[r] < n_all}
        got = listed.get((c, d, news), [])
        missing = sorted(want - set(got))
        extra = len(got) - len(set(got)) + sum(1 for x in set(got) if x[0] in offset
                                                and x not in want)
        first_missing = (f"; first missing: {missing[0][0]} {missing[0][1]} day "
                         f"{missing[0][2]}") if missing else ""
        if missing and no_zero_rows:
            first_missing += ("; no zero rows: a folder written before 7 Dec 2026 (held "
                              "rows only) must be solved again to be verified")
        names.append(f"{news} {c} {d} window days {first}-{end - 1}: {len(want)} route flows "
                     f"expected, {len(got)} rows, {len(missing)} missing, {extra} extra"
                     f"{first_missing}")
        amounts.append(float(len(missing) + extra))
    return rows("keep_coming_complete", names, amounts, "route flows")


def keep_coming_checks(res, f) -> list:
    """``keep_coming`` and ``keep_coming_complete`` rows (module docstring); an empty list
    when nobody keeps coming."""
    s = res.summary
    share, days = float(s.get("keep_coming_share") or 0), int(s.get("keep_coming_days") or 0)
    by_gate = s.get("keep_coming_days_by_gate") or {}
    bad_days = _whole_days(by_gate)
    own = {c: int(v) for (c, v), b in zip(by_gate.items(), bad_days) if not b}
    if s.get("dispatch") != "realistic" or share <= 0 or max([days, *own.values()]) <= 0:
        return []
    gates = [rows("keep_coming", [f"keep_coming_days_by_gate {c}" for c in by_gate],
                  bad_days, "-")] if by_gate else []
    table = getattr(res, "keep_coming", None)
    if table is None or not len(table.columns):
        return [*gates, rows("keep_coming", "keep_coming.parquet missing", 1.0, "-")]
    lag = int(s.get("reaction_lag_days") or 0)
    windows = _keep_windows(f.scenario, lag, days, own)
    t = table.reset_index(drop=True)
    names = (t["news_date"].astype(str) + " " + t["crossing_id"].astype(str) + " "
             + t["route_id"].astype(str) + " " + t["product_id"].astype(str) + " day "
             + t["period"].astype(str)).to_numpy(dtype=object)
    inside = np.array([any(w[:3] == (c, d, n) and w[3] <= p < w[4] for w in windows)
                       for c, d, n, p in zip(t["crossing_id"], t["direction"], t["news_date"],
                                             t["period"])], dtype=bool)
    rf = res.route_flows
    gate, offset = _route_gates(res)
    flow = rf.groupby(["route_id", "product_id", "period"])["flow_t"].sum()
    got = np.array([float(flow.get((r, q, p), 0.0)) for r, q, p in
                    zip(t["route_id"], t["product_id"], t["period"])])
    floor, pre = t["floor_t"].to_numpy(float), t["pre_news_flow_t"].to_numpy(float)
    # a route that carries nothing all horizon is in no route table: its gate is unknown,
    # which passes for a zero row only (a floor > 0 would have made it carry cargo)
    at_gate = np.array([gate.get(r) == f"{c}:{d}" if r in gate else fl == 0 and p == 0
                        for r, c, d, fl, p in zip(t["route_id"], t["crossing_id"],
                                                  t["direction"], floor, pre)], dtype=bool)
    total = float(s.get("keep_coming_floor_t") or 0.0)
    arcs = getattr(res, "route_arcs", None)
    if not windows:
        complete = []
    elif arcs is None or not len(arcs.columns):  # no route's gate is known
        complete = [rows("keep_coming_complete", "route_arcs.parquet missing", 1.0, "-")]
    else:
        complete = [_complete_rows(res, t, windows, f, gate, offset)]
    return [*gates, rows("keep_coming", names, (~inside | ~at_gate).astype(float), "-"),
            rows("keep_coming", names, np.abs(floor - share * pre), "t", pre),
            rows("keep_coming", names, np.maximum(0.0, floor - got), "t", floor),
            rows("keep_coming", "keep_coming_floor_t", abs(total - float(floor.sum())), "t",
                 total), *complete]


def _in_force(ev, start, n_days: int) -> tuple[int, int]:
    window = getattr(ev, "close", None) or ev.window
    first = (window.start - start).days if window.start is not None else 0
    if type(ev).__name__ == "RampEvent":
        return first, first + ev.ramp.days - 1
    return first, (window.end - start).days if window.end is not None else n_days - 1


def unwarned_checks(res, f) -> list:
    """``unwarned_transit`` rows (module docstring); empty without the table."""
    s = res.summary
    table = getattr(res, "unwarned_transit", None)
    count = int(s.get("unwarned_transit_route_days") or 0)
    if s.get("dispatch") != "realistic" or ((table is None or not len(table.columns))
                                            and not count):
        return []
    if table is None or not len(table.columns):
        return [rows("unwarned_transit", "unwarned_transit.parquet missing", 1.0, "-")]
    scenario, lag = f.scenario, int(s.get("reaction_lag_days") or 0)
    start, n_days = scenario.horizon.start, len(f.labels)
    events = []
    for ev in scenario.events:
        if type(ev).__name__ not in ("CloseEvent", "CapacityEvent", "RampEvent"):
            continue
        told = max(ev.announced or _first_day(ev) or start, start)
        events.append((ev.crossing, getattr(ev, "direction", "both"), told.isoformat(),
                       (told - start).days, *_in_force(ev, start, n_days)))
    t = table.reset_index(drop=True)
    due = np.array([any(c == ec and (ew == "both" or d in (ew, "both")) and n == en and a > 0
                        and p < a + lag and lo <= r <= hi
                        for ec, ew, en, a, lo, hi in events)
                    for c, d, n, p, r in zip(t["crossing_id"], t["direction"], t["news_date"],
                                             t["period"], t["reached_period"])], dtype=bool)
    flow = res.route_flows.groupby(["route_id", "product_id", "period"])["flow_t"].sum()
    got = np.array([float(flow.get((r, q, p), 0.0)) for r, q, p in
                    zip(t["route_id"], t["product_id"], t["period"])])
    names = (t["news_date"].astype(str) + " " + t["crossing_id"].astype(str) + " "
             + t["route_id"].astype(str) + " " + t["product_id"].astype(str) + " day "
             + t["period"].astype(str)).to_numpy(dtype=object)
    distinct = len(t.drop_duplicates(["route_id", "product_id", "period"]))
    return [rows("unwarned_transit", names, (~due).astype(float), "-"),
            rows("unwarned_transit", names, got, "t", 1.0),
            rows("unwarned_transit", "unwarned_transit_route_days", abs(distinct - count),
                 "route-days")]


def ramp_checks(f, tables) -> list:
    """``ramp_capacity`` rows (module docstring) for every ramp-up event of a dated run."""
    if not f.dated:
        return []
    ramps = [(k, ev) for k, ev in enumerate(f.scenario.events) if type(ev).__name__ ==
             "RampEvent"]
    if not ramps:
        return []
    dates = [dt.date.fromisoformat(label) for label in f.labels]
    nominal = tables.crossings.set_index("crossing_id")
    cap = f.capacity.set_index(["crossing_id", "direction", "period"])["capacity_trucks_per_day"]
    names, excess = [], []
    for k, ev in ramps:
        first = ev.start or f.scenario.horizon.start
        dirs = ("a_to_b", "b_to_a") if ev.direction == "both" else (ev.direction,)
        for period, date in enumerate(dates):
            i = (date - first).days
            if not 0 <= i < ev.ramp.days:
                continue
            for d in dirs:
                full = float(nominal.loc[ev.crossing, f"capacity_{d}_trucks_per_day"])
                limit = ev.ramp.start_trucks_per_day + (full - ev.ramp.start_trucks_per_day) \
                    * i / ev.ramp.days
                names.append(f"events[{k}] {ev.crossing} {d} {date}")
                excess.append(max(0.0, float(cap[(ev.crossing, d, period)]) - limit))
    return [rows("ramp_capacity", names, excess, "trucks/day", 1.0)]


def dispatch_checks(res, f) -> list:
    """The checks of the module docstring (an empty list for a foresight run)."""
    s = res.summary
    if s.get("dispatch") != "realistic":
        return []
    objective = float(s["objective_usd"])
    bound = float(s.get("foresight_objective_usd", float("nan")))
    value = float(s.get("value_of_foresight_usd", float("nan")))
    scale = max(abs(objective), abs(bound))
    # np.maximum, not max(): a missing bound (NaN) must fail the check, not read as 0
    out = [rows("foresight_bound", "objective_usd >= foresight_objective_usd",
                np.maximum(0.0, bound - objective), "USD", scale),
           rows("value_of_foresight", "value_of_foresight_usd", abs(value - (objective - bound)),
                "USD", scale)]
    scenario = f.scenario
    late = []
    for k, ev in enumerate(scenario.events):
        first = _first_day(ev)
        if ev.announced is not None and first is not None and ev.announced > first:
            late.append((f"events[{k}]", (ev.announced - first).days))
    out.append(rows("announced_in_time", [e for e, _ in late] or "every event",
                    [d for _, d in late] or 0.0, "days"))
    start = scenario.horizon.start
    needed = sorted({(start + dt.timedelta(days=d)).isoformat()
                     for d in {0} | _news_days(scenario)})
    told = list(s.get("decision_dates") or [])
    wrong = sorted(set(needed) ^ set(told)) + (["decision_days"] if int(
        s.get("decision_days") or 0) != len(told) else [])
    lag = s.get("reaction_lag_days") or 0  # absent: a run made before the lag existed (0)
    stated = getattr(scenario, "reaction_lag_days", None)
    bad = float(lag) != int(lag) or lag < 0 or \
        (stated is not None and int(lag) != int(stated))
    out.append(rows("reaction_lag", f"reaction_lag_days = {lag}", 1.0 if bad else 0.0, "-"))
    out.append(rows("replanned_on_news", wrong or f"{len(needed)} decision dates",
                    [1.0] * len(wrong) or 0.0, "dates"))
    return out


#: ``dispatch_reason`` of an ``auto`` dispatch resolved for a command that needs the optimum
NEEDS_OPTIMUM = "needs the optimum"


def dispatch_rule_checks(res, f) -> list:
    """``dispatch_rule`` of the module docstring (an empty list for a run without
    ``dispatch_reason``: static runs, and dated runs made before it was recorded)."""
    s = res.summary
    why, ran = s.get("dispatch_reason"), s.get("dispatch")
    if not why or f.scenario.horizon.start is None:
        return []
    why = str(why)
    if why.startswith("asked for (") and why.endswith(")"):
        rule, basis = why[len("asked for ("):-1], "asked for"
    elif why.startswith("auto:") and NEEDS_OPTIMUM in why:
        rule, basis = "foresight", "auto, for a command that needs the optimum"
    elif why.startswith("auto:"):
        news = len(_news_days(f.scenario))
        rule = "realistic" if news else "foresight"
        basis = f"auto, {news} news day{'' if news == 1 else 's'} after the first"
    else:
        rule, basis = None, f"unknown reason {why[:60]!r}"
    return [rows("dispatch_rule", f"{basis}: ran {ran}, the rule gives {rule}",
                 0.0 if rule is not None and ran == rule else 1.0, "-")]
