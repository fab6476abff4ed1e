"""``investments.csv``: proposed and upgraded crossings with their costs, checked.

Columns (one row per project; money in real USD of ``price_year``):

==========================  =====================================================
``project``                 id (slug), usually the crossing id (``investment_id`` in the
                            embedded dataset's file)
``crossing_id``             the crossing in crossings.csv it builds or upgrades
``kind``                    ``new`` or ``upgrade`` (optional)
``capex_usd``               investment cost, USD
``opex_usd_per_year``       additional operation and maintenance, USD/year
``construction_years``      whole years of construction before opening (>= 0)
``opens``                   ISO date of the first day of operation
``economic_life_years``     whole years of operation appraised (>= 1)
``capex_phasing``           optional ``;``-separated shares per construction year
``construction_start``      optional ISO date: with a fractional ``construction_years``, the
                            capex years are the calendar years from it to the year before
                            ``opens``
``source, source_year, quality, notes``  provenance, as every table of the dataset
==========================  =====================================================

Ranges of capex and opex go in ``ranges.csv`` (table ``investments``, key = project).
A dataset without the file has no investments to appraise (:data:`NO_INVESTMENTS`).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.loaders import InputTables
from borderflow.uncertainty.ranges import RangedTable

from .finance import Project

INVESTMENTS_FILE = "investments.csv"
REQUIRED = ("project", "crossing_id", "capex_usd", "opex_usd_per_year", "construction_years",
            "opens", "economic_life_years")
NO_INVESTMENTS = "no investments in the dataset"


def read_investments(source: Path | str | None, tables: InputTables | None = None
                     ) -> tuple[list[Project], pd.DataFrame]:
    """Read and check ``investments.csv`` (a file or the dataset folder holding it).

    Returns
    -------
    projects : list of Project
        Empty when there is no file.
    frame : DataFrame
        The table as read (numbers as floats), for ranges (:func:`ranged_investments`).

    Raises
    ------
    InputError
        Every problem, each naming file, row and field.
    """
    path = None if source is None else Path(source)
    if path is not None and path.is_dir():
        path = path / INVESTMENTS_FILE
    if path is None or not path.exists():
        return [], pd.DataFrame(columns=list(REQUIRED))
    shown = display_path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                     skipinitialspace=True, encoding="utf-8-sig")
    df.columns = [c.strip() for c in df.columns]
    if "investment_id" in df.columns and "project" not in df.columns:  # the embedded dataset
        df = df.rename(columns={"investment_id": "project"})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(Problem(shown, None, missing[0], f"required column '{missing[0]}' is "
                                 f"missing (columns: {', '.join(REQUIRED)})"))
    crossings = set(tables.crossings["crossing_id"]) if tables is not None else None
    problems, projects, seen = [], [], {}
    for n, rec in enumerate(df.to_dict("records"), start=1):
        p = _project(rec, n, shown, crossings, problems)
        if p is None:
            continue
        if p.project in seen:
            problems.append(Problem(shown, n, "project", f"duplicate project '{p.project}' "
                                    f"(first in row {seen[p.project]})", p.project))
            continue
        seen[p.project] = n
        projects.append(p)
    if problems:
        raise InputError(problems)
    frame = df.copy()
    for col in ("capex_usd", "opex_usd_per_year", "construction_years", "economic_life_years"):
        frame[col] = frame[col].astype(float)
    return projects, frame


def _number(rec: dict, col: str, n: int, shown: str, problems: list, *, whole: bool = False,
            lowest: float = 0.0) -> float | None:
    text = rec.get(col)
    try:
        x = float(str(text).replace(",", "")) if text is not None and str(text) != "nan" \
            else math.nan
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x < lowest or (whole and not float(x).is_integer()):
        kind = "a whole number" if whole else "a number"
        problems.append(Problem(shown, n, col, f"expected {kind} >= {lowest:g}, got {text!r}",
                                rec.get("project")))
        return None
    return x


def _calendar_construction_years(rec: dict) -> dict:
    """A fractional ``construction_years`` (the embedded dataset's 1.25 for 15 months) with a
    ``construction_start`` date: the capex years are the calendar years from the start's year
    to the year before opening (``opens.year - start.year``, at least 0), as the yearly cash
    flows count them; the published duration is kept in ``construction_years_published``."""
    text = str(rec.get("construction_years") or "").strip()
    start = str(rec.get("construction_start") or "").strip()
    try:
        whole = float(text).is_integer()
        begun = dt.date.fromisoformat(start)
        opens = dt.date.fromisoformat(str(rec.get("opens") or "").strip())
    except ValueError:
        return rec
    if whole:
        return rec
    return {**rec, "construction_years": str(max(opens.year - begun.year, 0)),
            "construction_years_published": text}


def _project(rec: dict, n: int, shown: str, crossings: set | None,
             problems: list) -> Project | None:
    before = len(problems)
    name = str(rec.get("project") or "").strip()
    if not name:
        problems.append(Problem(shown, n, "project", "a project id is required"))
    cid = str(rec.get("crossing_id") or "").strip()
    if crossings is not None and cid not in crossings:
        problems.append(Problem(shown, n, "crossing_id", f"unknown crossing '{cid}' (not in "
                                "crossings.csv)", name or None))
    capex = _number(rec, "capex_usd", n, shown, problems)
    opex = _number(rec, "opex_usd_per_year", n, shown, problems)
    rec = _calendar_construction_years(rec)
    build = _number(rec, "construction_years", n, shown, problems, whole=True)
    life = _number(rec, "economic_life_years", n, shown, problems, whole=True, lowest=1)
    try:
        opens = dt.date.fromisoformat(str(rec.get("opens") or "").strip())
    except ValueError:
        problems.append(Problem(shown, n, "opens", f"not an ISO date: {rec.get('opens')!r}",
                                name or None))
        opens = None
    phasing = None
    text = str(rec.get("capex_phasing") or "").strip()
    if text and text != "nan" and build is not None:
        try:
            phasing = tuple(float(x) for x in text.split(";"))
        except ValueError:
            phasing = ()
        if len(phasing) != max(int(build), 1) or abs(sum(phasing) - 1.0) > 1e-6 or \
                min(phasing, default=-1) < 0:
            problems.append(Problem(shown, n, "capex_phasing", f"expected {max(int(build), 1)} "
                                    f"non-negative shares summing to 1, got {text!r}",
                                    name or None))
    if len(problems) > before:
        return None
    return Project(name, cid, capex, opex, int(build), opens, int(life), phasing)


def ranged_investments(frame: pd.DataFrame, source: Path | str | None = None) -> RangedTable:
    """The investments table as a table whose numbers ``ranges.csv`` may range."""
    lowest = {c: (0.0, None, False) for c in ("capex_usd", "opex_usd_per_year",
                                                "construction_years")}
    lowest["economic_life_years"] = (1.0, None, False)
    return RangedTable("investments", frame, ("project",),
                       display_path(source) if source else INVESTMENTS_FILE, lowest)
