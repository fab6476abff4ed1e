"""The published share of the rows that carry flow in the baseline (issue 18, item 8).

Run from the repo root: ``python tools/published_share.py [--month M ...] [--list]``.
Solves the baseline of the embedded dataset (``borderflow solve``: the annual-average day,
nothing closed; and, with ``--month``, the baseline of each month named; default: the annual
day and June, as in ``docs/data-sources.md``) and reads its result tables:

- a **crossing carries flow** when its ``crossings`` table has loaded tonnes (``flow_t``) in
  either direction in any of the runs; its capacity is what ``crossings.csv`` gives it;
- a **supply row carries flow** when the ``unserved`` table has ``shipped_t > 0`` for its
  origin and product in any of the runs.

Of those rows, it counts the ones whose ``quality`` is ``published`` (the row's main number:
a crossing's capacity, a supply row's volume) and, among them, the ones that also cite a page
(an ``http(s)://`` address in ``source``) and a year (``source_year``), which is what issue 18
asks for. Prints a Markdown table (and with ``--list`` every carrying row and its state).
The arithmetic is in :func:`carrying_rows` and :func:`published_share`, which read plain
tables so that they can be tested on hand-made ones.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping

import pandas as pd

#: tonnes below which a row is taken as carrying nothing (solver noise)
TOLERANCE_T = 1e-6
#: a cited page
PAGE = re.compile(r"https?://\S+")
#: the key columns of the two tables counted
KEYS = {"crossings": ("crossing_id",), "supply": ("node_id", "product_id")}


def carrying_rows(results: Iterable[Mapping[str, pd.DataFrame]],
                  tolerance: float = TOLERANCE_T) -> dict[str, set[tuple[str, ...]]]:
    """The keys of the ``crossings.csv`` and ``supply.csv`` rows that carry flow.

    Parameters
    ----------
    results : iterable of mappings
        The result tables of one or more runs (:attr:`borderflow.api.Result.tables`); each
        needs ``crossings`` (``crossing_id``, ``flow_t``) and ``unserved`` (``origin``,
        ``product_id``, ``shipped_t``).
    tolerance : float
        Tonnes at or below which a row carries nothing.

    Returns
    -------
    dict
        ``{"crossings": {(crossing_id,), ...}, "supply": {(node_id, product_id), ...}}``: the
        rows with flow in at least one of the runs.
    """
    out: dict[str, set[tuple[str, ...]]] = {"crossings": set(), "supply": set()}
    for tables in results:
        cr = tables["crossings"]
        out["crossings"] |= {(c,) for c in cr.loc[cr["flow_t"] > tolerance, "crossing_id"]}
        un = tables["unserved"]
        ship = un.loc[un["shipped_t"] > tolerance]
        out["supply"] |= set(zip(ship["origin"], ship["product_id"]))
    return out


def row_state(row: Mapping) -> str:
    """``published`` (with a page and a year), ``published-no-page`` or ``estimate``."""
    if str(row.get("quality", "")).strip() != "published":
        return "estimate"
    year = str(row.get("source_year", "")).strip()
    page = PAGE.search(str(row.get("source", "") or ""))
    return "published" if page and year not in ("", "nan") else "published-no-page"


def published_share(tables: Mapping[str, pd.DataFrame],
                    carrying: Mapping[str, set[tuple[str, ...]]]) -> dict[str, dict]:
    """Count the published rows among those that carry flow, per table.

    Parameters
    ----------
    tables : mapping
        ``crossings`` and ``supply`` as read from the dataset (the DataFrames of
        ``borderflow.InputTables``, or hand-made ones with the key columns, ``quality``,
        ``source``, ``source_year``).
    carrying : mapping
        :func:`carrying_rows`.

    Returns
    -------
    dict
        Per table: ``carrying`` (rows), ``published`` (quality published with a page and a
        year), ``published_no_page`` (quality published, no page cited), ``share``
        (``published / carrying``, 0 when nothing carries) and ``rows`` (key -> state).
    """
    out = {}
    for name, key in KEYS.items():
        df = tables[name]
        states = {}
        for rec in df.to_dict("records"):
            k = tuple(str(rec[c]) for c in key)
            if k in carrying[name]:
                states[k] = row_state(rec)
        n = len(states)
        pub = sum(s == "published" for s in states.values())
        out[name] = {"carrying": n, "published": pub,
                     "published_no_page": sum(s == "published-no-page"
                                              for s in states.values()),
                     "share": pub / n if n else 0.0, "rows": dict(sorted(states.items()))}
    return out


def baseline_results(months: Iterable[int | None]) -> list[Mapping[str, pd.DataFrame]]:
    """Solve the embedded dataset's baseline for each month (``None``: the annual-average day)
    and return each run's result tables."""
    import borderflow as bf

    ds = bf.load_dataset()
    out = []
    for m in months:
        sc = bf.Scenario() if m is None else bf.Scenario(horizon=bf.Horizon(month=m))
        out.append(bf.solve(ds, sc, compare=False).tables)
    return out


def report(share: Mapping[str, dict], months: Iterable[int | None], listing: bool) -> str:
    """The Markdown table (and the listing) printed by :func:`main`."""
    runs = ", ".join("annual day" if m is None else f"month {m}" for m in months)
    lines = [f"Rows carrying flow in the baseline ({runs}):", "",
             "| table | carrying flow | published with page and year | share "
             "| published, no page |", "|---|---|---|---|---|"]
    for name, s in share.items():
        lines.append(f"| `{name}.csv` | {s['carrying']} | {s['published']} | "
                     f"{s['share']:.0%} | {s['published_no_page']} |")
    if listing:
        for name, s in share.items():
            lines += ["", f"{name}:"] + [f"  {'|'.join(k)}: {v}" for k, v in s["rows"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: solve the baselines and print the share."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--month", type=int, action="append",
                   help="also a monthly baseline (1-12); default: the annual day and June")
    p.add_argument("--annual-only", action="store_true", help="the annual-average day only")
    p.add_argument("--list", action="store_true", help="list every carrying row")
    a = p.parse_args(argv)
    months: list[int | None] = [None] + (a.month if a.month else ([] if a.annual_only else [6]))
    import borderflow as bf

    ds = bf.load_dataset()
    carrying = carrying_rows(baseline_results(months))
    share = published_share({"crossings": ds.crossings, "supply": ds.supply}, carrying)
    print(report(share, months, a.list))


if __name__ == "__main__":
    main()
