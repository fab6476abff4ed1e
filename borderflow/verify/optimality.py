"""The certificate of optimality over every route (issue 17), re-checked for the verifier.

A static run that says ``routing: certified`` claims that no route of any product, in the model
or not, has a negative reduced cost under its exported duals. :func:`certificate_checks`
re-checks that claim with :func:`borderflow.certificate.check_certificate` (its own
label-correcting search over every elementary route, from the input tables; nothing from
:mod:`borderflow.model`) and adds its rows to the report:

=================  =================================================================================
check              what must hold
=================  =================================================================================
route_dual         no route of any (origin, product) has a reduced cost below ``-tolerance``
unserved_dual      ``penalty - pi >= 0`` (products that need not be delivered)
dual_sign          capacity, priority, market and gate-entry duals ``>= 0``
duality_gap        objective = dual objective (supply, capacity, demand, priority and gate-entry
                   rows: slot quotas, dispatch holds, licences, their limits recomputed from
                   the scenario)
entry_dual         no gate-entry dual on a row the scenario does not have or does not limit
gap_bound          a ``restricted`` run: the gap bound it reports is at least the bound the
                   certificate finds (its duals priced over every route); a restricted run with
                   no bound (extra constraints, or not priced) gets no row
pricing_bound      a dated sweep scenario's searches skipped by a proven bound (its
                   ``pricing_bounds``): each bound re-checked by the verifier's own search
                   (:mod:`borderflow.certificate_skip`)
=================  =================================================================================

A dated run is re-checked by :func:`borderflow.certificate_dated.check_dated_certificate` (one
``route_dual`` row per origin, product and dispatch day over depart, hold and direct columns;
``initial_queue_dual`` for the initial queues; the dual objective adds the initial queues'
duals). Its objective is the LP's: when the FIFO replay repaired the LP's write-offs
(``summary.fifo_repair``), the certificate is of the LP optimum
``fifo_repair.lp_lower_bound_usd`` (the bound the repaired solution is reported against), and
when the tables show the class-FIFO replay (``summary.class_fifo``) of
``class_fifo.lp_lower_bound_usd``. A
realistic-dispatch run claims no optimum and gets no row. A dated run with a dispatch hold (stock
at origins) is re-checked with the shelf rows' duals (``stock_duals``) too
(:mod:`borderflow.certificate_stock`): each route earns the duals of the shelf rows it fits
(searches capped at each row's hours), and ``stock_cell_dual`` holds the stock columns of every
cell a route could open; a restricted one's gap bound counts released stock. A folder with
stock at origins but no ``stock_duals`` (written before they were exported) gets no row.
"""

from __future__ import annotations

import pandas as pd

from borderflow.certificate import check_certificate
from borderflow.certificate_dated import check_dated_certificate

from .levers import entry_rows
from .report import REPORT_COLUMNS, rows


def certificate_checks(results, f) -> list[pd.DataFrame]:
    """Rows of the certificate's re-check (see the module docstring).

    Parameters
    ----------
    results : ResultTables
        The run's tables (with their duals) and summary.
    f : Facts
        The inputs as the verifier reads them.
    """
    summary = results.summary or {}
    if "routing" not in summary or summary.get("dispatch") == "realistic":
        return []
    bound = (summary.get("pricing") or {}).get("gap_bound_usd")
    if summary["routing"] != "certified" and bound is None:
        return []  # nothing claimed: no bound to re-check
    tables = results.tables()
    if f.dated and "origin_stock" in tables and "stock_duals" not in tables:
        return []  # a folder written before its shelf rows' duals were: nothing to re-check
    nodes = pd.DataFrame({"node_id": list(f.countries), "country": list(f.countries.values())})
    objective = float(summary["objective_usd"])
    repair = summary.get("fifo_repair") or {}
    if f.dated and repair.get("lp_lower_bound_usd") is not None:
        objective = float(repair["lp_lower_bound_usd"])  # the LP's optimum, not the repair's
    lanes = summary.get("class_fifo") or {}
    if f.dated and lanes.get("tables_show") == "class_fifo replay":
        objective = float(lanes["lp_lower_bound_usd"])  # likewise, not the replay's
    extra = {"summary": summary} if f.dated else {}
    check = check_dated_certificate if f.dated else check_certificate
    cert = check(f, nodes, tables, objective, tuple(f.scenario.must_deliver),
                 entries=entry_rows(f), **extra)
    if summary["routing"] == "certified":
        return [cert.checks[REPORT_COLUMNS]]
    found = cert.gap_bound_usd(objective)
    return [rows("gap_bound", "restricted routing: reported gap bound",
                 max(0.0, found - float(bound)), "USD", max(abs(objective), found))]

