"""Check the side tables of a dataset folder (observations, ranges, investments, ...).

Run from the repo root: ``python tools/check_side_tables.py [DATA_DIR]`` (default
``data/default``). Each table is validated against its schema in
``borderflow.data.schemas.SIDE_TABLES`` (and the two optional model tables ``cost_terms`` and
``destination_shares``, whose row rules the loaders check too); then the cross-table rules:
every band holds its value (``low <= value <= high``), every ``ranges.csv`` row names a row
and a numeric field that exist in its table with the same value, and every crossing id is a
crossing of ``crossings.csv`` (``behaviour.csv``'s ``applies_to``: a crossing or one of
:data:`borderflow.behaviour.GENERIC`); every ``supply_evidence.csv`` row names a row of
``supply.csv`` (node and product), cites a page (``http(s)://``) and carries that row's value in
``dataset_t_per_year`` (:func:`check_evidence`).
Prints one line per problem (file, row, field: message) and exits 2 if there is any.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pandera.errors as pe
from borderflow.behaviour import GENERIC
from borderflow.data.loaders import read_tables
from borderflow.data.schemas import COST_TERMS, DESTINATION_SHARES, SIDE_TABLES, TABLES

#: (table, value column, low column, high column) bands that must hold their value
BANDS = [
    ("observations", "per_day", "low_per_day", "high_per_day"),
    ("disruption_observations", "quantity", "low", "high"),
    ("closure_probabilities", "closure_days", "closure_days_low", "closure_days_high"),
    ("closure_probabilities", "p_closed_per_day", "p_low", "p_high"),
    ("investments", "capex_usd", "capex_low_usd", "capex_high_usd"),
    ("investments", "opex_usd_per_year", "opex_low_usd_per_year", "opex_high_usd_per_year"),
    ("investments", "economic_life_years", "life_low_years", "life_high_years"),
    ("destination_shares", "share", "low", "high"),
    ("cost_terms", "value", "low", "high"),
    ("behaviour", "value", "low", "high"),
    ("calibration_targets", "modelled_share", "modelled_share_low", "modelled_share_high"),
    ("calibration_targets", "year_scale", "year_scale_low", "year_scale_high"),
    ("ranges", "value", "low", "high"),
]
#: (table, column) holding a crossing id
CROSSING_REFS = [("investments", "crossing_id"), ("closure_probabilities", "crossing_id")]


def _problems(folder: Path) -> list[str]:
    out: list[str] = []
    side: dict[str, pd.DataFrame] = {}
    for spec in (*SIDE_TABLES, COST_TERMS, DESTINATION_SHARES):
        path = folder / spec.filename
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        try:
            side[spec.name] = spec.schema.validate(df, lazy=True)
        except pe.SchemaErrors as err:
            for case in err.failure_cases.head(20).itertuples(index=False):
                row = "" if pd.isna(case.index) else f", row {int(case.index) + 2}"
                out.append(f"{spec.filename}{row}, {case.column}: {case.check} failed "
                           f"({case.failure_case!r})")
    for name, val, lo, hi in BANDS:
        df = side.get(name)
        if df is None or val not in df:
            continue
        bad = df[(df[lo] > df[val] + 1e-9) | (df[val] > df[hi] + 1e-9)]
        for i, r in bad.iterrows():
            out.append(f"{name}.csv, row {i + 2}, {val}: {r[val]} is outside [{r[lo]}, {r[hi]}]")
    model = read_tables(folder)
    crossings = set(model.crossings["crossing_id"])
    for name, col in CROSSING_REFS:
        df = side.get(name)
        for i, cid in ([] if df is None else df[col].items()):
            if cid not in crossings:
                out.append(f"{name}.csv, row {i + 2}, {col}: unknown crossing '{cid}'")
    behaviour = side.get("behaviour")
    for i, where in ([] if behaviour is None else behaviour["applies_to"].items()):
        if where not in GENERIC and where not in crossings:
            out.append(f"behaviour.csv, row {i + 2}, applies_to: neither "
                       f"{' nor '.join(repr(g) for g in GENERIC)} nor a crossing: '{where}'")
    if "ranges" in side:
        out += _check_ranges(side["ranges"], model)
    if "supply_evidence" in side:
        out += check_evidence(side["supply_evidence"], model.supply)
    return out


def check_evidence(evidence: pd.DataFrame, supply: pd.DataFrame) -> list[str]:
    """Problems of ``supply_evidence.csv`` against ``supply.csv``, one line each.

    Each evidence row must name a supply row (``node_id``, ``product_id``), cite an
    ``http(s)://`` page (also checked by the schema, repeated here for tables checked alone) and
    carry that supply row's ``supply_t_per_year`` in ``dataset_t_per_year`` (t/year, to 0.5 t:
    the table is rounded to whole tonnes), so that a value commit cannot leave the evidence
    comparing against a stale number.
    """
    out = []
    values = {(str(r["node_id"]), str(r["product_id"])): float(r["supply_t_per_year"])
              for r in supply.to_dict("records")}
    for i, r in evidence.iterrows():
        where = f"supply_evidence.csv, row {i + 2}"
        key = (str(r["node_id"]), str(r["product_id"]))
        if not re.match(r"^https?://\S+$", str(r["page"])):
            out.append(f"{where}, page: not an http(s) address: {r['page']!r}")
        if key not in values:
            out.append(f"{where}, node_id: no supply.csv row '{key[0]}|{key[1]}'")
        elif abs(values[key] - float(r["dataset_t_per_year"])) > 0.5:
            out.append(f"{where}, dataset_t_per_year: {r['dataset_t_per_year']} but supply.csv "
                       f"has {values[key]}")
    return out


def _check_ranges(ranges: pd.DataFrame, model) -> list[str]:
    out = []
    index = {}
    for spec in TABLES:
        df = getattr(model, spec.name)
        keys = df[list(spec.key)].astype(str).agg("|".join, axis=1)
        index[spec.name] = dict(zip(keys, df.to_dict("records")))
    for i, r in ranges.iterrows():
        rows = index.get(r["table"])
        where = f"ranges.csv, row {i + 2}"
        if rows is None:
            out.append(f"{where}, table: unknown table '{r['table']}'")
            continue
        row = rows.get(r["row_key"])
        if row is None or r["field"] not in row:
            out.append(f"{where}, row_key: no {r['table']} row '{r['row_key']}' with field "
                       f"'{r['field']}'")
            continue
        got = float(row[r["field"]])
        if abs(got - r["value"]) > 1e-6 * max(1.0, abs(got)):
            out.append(f"{where}, value: {r['value']} but {r['table']}.csv has {got} "
                       "(re-run tools/build_ranges.py)")
    return out


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/default")
    problems = _problems(folder)
    for p in problems:
        print(p)
    print(f"side tables: {len(problems)} problem(s)")
    sys.exit(2 if problems else 0)


if __name__ == "__main__":
    main()
