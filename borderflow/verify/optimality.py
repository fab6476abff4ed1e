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
dual_sign          capacity, priority and market duals ``>= 0``
duality_gap        objective = dual objective (supply, capacity, demand, priority rows)
gap_bound          a ``restricted`` run: the gap bound it reports is at least the bound the
                   certificate finds (its duals priced over every route); a restricted run with
                   no bound (extra constraints, or not priced) gets no row
=================  =================================================================================

Dated runs are ``restricted`` and not re-checked here yet
(:mod:`borderflow.certificate_dated` holds the dated re-check).
"""

from __future__ import annotations

import pandas as pd

from borderflow.certificate import check_certificate

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
    if f.dated or "routing" not in summary:
        return []
    nodes = pd.DataFrame({"node_id": list(f.countries), "country": list(f.countries.values())})
    objective = float(summary["objective_usd"])
    cert = check_certificate(f, nodes, results.tables(), objective,
                             tuple(f.scenario.must_deliver))
    if summary["routing"] == "certified":
        return [cert.checks[REPORT_COLUMNS]]
    bound = (summary.get("pricing") or {}).get("gap_bound_usd")
    if bound is None:
        return []
    found = cert.gap_bound_usd(objective)
    return [rows("gap_bound", "restricted routing: reported gap bound",
                 max(0.0, found - float(bound)), "USD", max(abs(objective), found))]
