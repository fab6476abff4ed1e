"""A run folder as written: its files against the manifest, its CSV against its parquet, the
input files against their recorded checksums, and which check covers each column.

=================  ===========================================================================
check              what must hold
=================  ===========================================================================
manifest           every file is as borderflow wrote it (``manifest.json``, whose SHA-256 the
                   marker ``.borderflow-run.json`` records): nothing changed, removed, or added
                   among the result files (a map or GeoPackage added later is listed, not
                   failed); a folder without manifest or marker fails
tables             every result table is there and readable (parquet: the format the checks
                   read); ``summary.json`` and ``run.json`` are readable
csv_parquet        each table's CSV says what its parquet says (the parquet is authoritative;
                   the CSV is its copy for spreadsheets)
input_checksum     the input files still have the SHA-256 recorded in ``run.json``
=================  ===========================================================================

:func:`coverage` tells, column by column, whether a result column is re-derived from the inputs
by the checks (:data:`REDERIVED`) or covered only by the manifest's checksum
(:func:`borderflow.manifest.column_coverage`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.io import METADATA, SUMMARY, changed_inputs
from borderflow.manifest import MANIFEST, check_manifest, column_coverage
from borderflow.model.results import ResultTables
from borderflow.runfolder import MARKER, read_marker

from .absent import ABSENT, stand_in
from .report import rows

#: table -> columns the checks recompute from the inputs and the other tables (everything else
#: in a run folder is covered by the manifest's checksums only). ``route_flows.variant`` (whether
#: a route is the cheapest or fastest of its gate sequence) is not re-derived.
REDERIVED: dict[str, tuple[str, ...]] = {
    "route_flows": ("route_id", "product_id", "origin", "market", "crossings", "period",
                    "flow_t", "trucks_per_day", "duration_h", "length_km", "cost_usd_per_t",
                    "cost_usd", "price_usd_per_t", "revenue_usd"),
    "flows": ("arc_id", "kind", "element_id", "direction", "from_node", "to_node", "mode",
              "product_id", "period", "flow_t", "trucks_per_day", "length_km", "cost_usd"),
    "crossings": ("crossing_id", "name", "direction", "from_country", "to_country", "mode",
                  "status", "period", "available", "capacity_trucks_per_day", "flow_trucks",
                  "flow_t", "utilisation", "dual_usd_per_truck"),
    "unserved": ("origin", "product_id", "period", "supply_t", "shipped_t", "unserved_t",
                 "spoiled_t", "lost_value_usd"),
    "products": ("product_id", "supply_t", "shipped_t", "unserved_t", "lost_value_usd",
                 "spoiled_t", "trucks", "transport_cost_usd", "revenue_usd"),
    "queues": ("crossing_id", "direction", "period", "date", "queue_trucks", "arrivals_trucks",
               "departures_trucks", "expired_t", "spoiled_t", "mean_wait_days",
               "expired_trucks"),
    "backlog": ("crossing_id", "direction", "episode", "start_date", "peak_queue_trucks",
                "peak_date", "clear_date", "truck_days_waited", "waiting_cost_usd"),
    "spoilage": ("product_id", "period", "date", "where", "spoiled_t", "spoiled_value_usd"),
    "route_arcs": ("route_id", "seq", "arc_id", "kind", "element_id", "direction", "from_node",
                   "to_node", "travel_h", "offset_h"),
    "stream_queues": ("route_id", "product_id", "origin", "market", "crossing_id", "direction",
                      "period", "date", "arrivals_t", "initial_t", "departures_t", "expired_t",
                      "queue_t"),
    "initial_queues": ("entry", "crossing_id", "direction", "product_id", "origin", "route_id",
                       "age_days", "trucks", "initial_t", "initial_trucks"),
}
#: files added to a run folder after it was written that are not results (maps, GIS layers):
#: listed by the manifest check, not failed
DERIVED_SUFFIXES = (".png", ".html", ".gpkg", ".svg", ".pdf")


def manifest_checks(folder: Path) -> list[pd.DataFrame]:
    """The folder's files against its manifest, and the manifest against its marker."""
    marker = read_marker(folder)
    if marker is None:
        return [rows("manifest", f"{MARKER} missing: not a folder borderflow finished (or "
                     "written by a borderflow before manifests)", 1.0, "files")]
    problems = check_manifest(folder, expected_sha256=marker.get("manifest_sha256"),
                              exclude=(MARKER,))
    names, amounts = [f"{MANIFEST}: every file as written"], [0.0]
    for p in problems:
        harmless = p.problem == "added" and Path(p.file).suffix in DERIVED_SUFFIXES \
            and "/" not in p.file
        names.append(f"{p.file}: {p.message}" + (" (not a result; not checked)" if harmless
                                                  else ""))
        amounts.append(0.0 if harmless else 1.0)
    if any(a for a in amounts):
        amounts[0] = 1.0
        names[0] = f"{MANIFEST}: files differ from what borderflow wrote"
    if not marker.get("complete", False):
        names.append(f"{MARKER}: marked incomplete (a writer was stopped)")
        amounts.append(1.0)
    return [rows("manifest", np.array(names, dtype=object), amounts, "files")]


def read_tables(folder: Path) -> tuple[ResultTables, list[pd.DataFrame]]:
    """The result tables of a run folder from their parquet files, and a ``tables`` row for
    each file missing or unreadable (an empty table stands in for it, marked:
    :func:`.absent.stand_in`), and for an unreadable
    ``summary.json``."""
    problems = []
    tables = {}
    for name in ResultTables.TABLES:
        path = folder / f"{name}.parquet"
        try:
            tables[name] = pd.read_parquet(path)
        except FileNotFoundError:
            tables[name] = stand_in("missing")
            problems.append(f"{name}.parquet missing (deleted, or a folder written by an "
                            "older borderflow)")
        except Exception as err:  # noqa: BLE001 - any unreadable file is a finding, not a crash
            tables[name] = stand_in("unreadable")
            problems.append(f"{name}.parquet unreadable ({type(err).__name__}: "
                            f"{' '.join(str(err).split())[:120]})")
    for name in ResultTables.OPTIONAL_TABLES:  # only in runs that have them
        path = folder / f"{name}.parquet"
        tables[name] = pd.read_parquet(path) if path.exists() else pd.DataFrame()
    summary = {}
    try:
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        if not isinstance(summary, dict):
            raise TypeError("not a JSON object")
    except (OSError, ValueError, TypeError) as err:
        problems.append(f"{SUMMARY} unreadable ({' '.join(str(err).split())[:120]})")
        summary = {}
    found = [rows("tables", np.array(problems, dtype=object), np.ones(len(problems)),
                  "files")] if problems else []
    found.append(rows("tables", f"{len(ResultTables.TABLES)} result tables read", 0.0,
                      "files"))
    return ResultTables(summary=summary, **tables), found


def _csv_differences(parquet: pd.DataFrame, csv_text: str) -> list[str]:
    """Columns whose values differ between a table's parquet and its CSV (``[]``: same).

    The CSV is first compared as written (the parquet table written out as borderflow writes
    it); if the text differs (another pandas' number format), value by value: numbers within
    1e-9 relative, everything else as text."""
    if parquet.to_csv(index=False, lineterminator="\n") == csv_text:
        return []
    try:
        csv = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return ["(not a readable CSV)"]
    if list(csv.columns) != [str(c) for c in parquet.columns] or len(csv) != len(parquet):
        return ["(columns or rows)"]
    wrong = []
    for col in parquet.columns:
        mine = parquet[col]
        theirs = csv[str(col)]
        if pd.api.types.is_numeric_dtype(mine) and not pd.api.types.is_bool_dtype(mine):
            a = pd.to_numeric(theirs.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
            b = mine.to_numpy(dtype=float)
            # infinities agree only with the same infinity (inf - inf is NaN, and a relative
            # tolerance of an infinite value would let -inf pass for inf)
            finite = np.isfinite(a) & np.isfinite(b)
            with np.errstate(invalid="ignore"):
                same = ((np.isnan(a) & np.isnan(b)) | (a == b)
                        | (finite & (np.abs(a - b) <= 1e-9 * np.maximum(1.0, np.abs(b)))))
        else:
            b = mine.astype(object).where(mine.notna(), "").astype(str).to_numpy()
            same = theirs.to_numpy() == b
        if not same.all():
            wrong.append(str(col))
    return wrong


def _parquet(path: Path, known: dict | None) -> pd.DataFrame:
    """``path`` read, or the table of its name in ``known`` (name -> table just read from this
    folder: not read twice); a stand-in or a table without columns there is read again."""
    table = known.get(path.stem) if known else None
    if table is None or ABSENT in table.attrs or not len(table.columns):
        return pd.read_parquet(path)
    return table


def csv_checks(folder: Path, known: dict | None = None) -> list[pd.DataFrame]:
    """Each table's CSV against its parquet file, for every table that has both (``known``:
    name -> the table read from its parquet file in this folder, by :func:`read_tables` or a
    plan's reader, compared without reading it again)."""
    names, amounts = [], []
    for path in sorted(folder.glob("*.parquet")):
        csv = path.with_suffix(".csv")
        try:
            table = _parquet(path, known)
        except Exception:  # noqa: BLE001, S112 - an unreadable file is told by read_tables
            continue
        if not csv.is_file():
            names.append(f"{csv.name} missing (its parquet is there)")
            amounts.append(1.0)
            continue
        try:
            wrong = _csv_differences(table, csv.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            wrong = [f"(unreadable: {err})"]
        names.append(f"{csv.name} = {path.name}" if not wrong else
                     f"{csv.name} differs from {path.name} in {', '.join(wrong[:5])}")
        amounts.append(float(len(wrong)))
    return [rows("csv_parquet", np.array(names, dtype=object), amounts, "columns")] \
        if names else []


def input_checks(folder: Path, meta: dict) -> list[pd.DataFrame]:
    """The input files named in ``run.json`` still have their recorded SHA-256."""
    changed = {name for name, _, _ in changed_inputs(folder, meta)}
    files = sorted(meta.get("input_sha256", {}))
    return [rows("input_checksum", ["input " + n + (" (changed since the run)" if n in changed
                                                    else "") for n in files],
                 [1.0 if n in changed else 0.0 for n in files], "files")]


def read_metadata_row(folder: Path) -> tuple[dict | None, list[pd.DataFrame]]:
    """``run.json`` (``None`` if unreadable, with a failing ``tables`` row)."""
    try:
        meta = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise TypeError("not a JSON object")
        return meta, []
    except (OSError, ValueError, TypeError) as err:
        return None, [rows("tables", f"{METADATA} unreadable "
                           f"({' '.join(str(err).split())[:120]})", 1.0, "files")]


def verify_plan_files(folder: Path, read, check, data=None, overlays=()) -> pd.DataFrame:
    """Verify a folder of a plan with one sub-folder per scenario or branch (a robust plan, a
    reopening tree): its files (manifest, CSV against parquet in it and each sub-folder, the
    inputs' checksums) and ``check(contents, tables)`` against the inputs named in its
    ``run.json`` (or ``data``). ``read(folder) -> (contents, rows)`` reads its contents
    (``tables``, ``documents``, ``folders``: sub-folder -> its tables and documents, or the
    sub-folders' names) and reports what is missing; the tables read are not read again for
    the CSV checks."""
    from .inputs import read_inputs
    from .report import assemble

    parts = manifest_checks(folder)
    contents, found = read(folder)
    parts += found + csv_checks(folder, contents["tables"])
    folders = contents["folders"]
    for name in folders:  # name -> (tables, documents), or names alone
        known = folders[name][0] if isinstance(folders, dict) else None
        parts += [c.assign(entity=f"{name}/" + c["entity"].astype(str))
                  for c in csv_checks(folder / name, known)]
    meta = contents["documents"].get(METADATA)
    if not meta and data is None:
        return assemble(parts)
    tables = read_inputs(folder, meta or {}, data, overlays)
    parts.append(check(contents, tables))
    parts += input_checks(folder, meta or {})
    return assemble(parts)


def coverage(folder: Path | str) -> list[dict]:
    """How each column of each result table of a run folder is verified.

    Returns
    -------
    list of dict
        ``table``, ``column``, ``coverage`` (``re-derived``: recomputed from the inputs by a
        check; ``checksum``: covered by the manifest only; ``none``) and ``files``.
    """
    return column_coverage(folder, REDERIVED)
