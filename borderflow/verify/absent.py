"""Tables a folder lacks, and the line of a check that could not run.

A result table whose parquet file is missing or unreadable is a failed ``tables`` row
(:func:`borderflow.verify.folder.read_tables`, :func:`borderflow.verify.robust.read_plan_folder`);
the checks that need it cannot run, and each says so in a failed ``verifier`` row. That row names
the table ("missing table route_flows: scenario normal not re-checked"), not the exception the
check raised on it ("could not be re-checked (KeyError: 'route_flows')", which read like a
crash). Any other exception keeps the generic line with its type and message.

How a check is known to have stopped on a lacking table:

- a robust plan's tables are held in a :class:`Tables` mapping, which raises
  :class:`MissingTable` when a check asks for a table the folder lacks (exact);
- a run's tables are attributes of :class:`~borderflow.model.results.ResultTables`; a lacking
  one is an empty stand-in marked by :func:`stand_in`, and a check that raised ``KeyError``
  (what any column asked of a table without columns raises) while one is marked is reported
  as stopped on the marked tables (:func:`absent_tables`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .report import rows

#: key in a stand-in table's ``DataFrame.attrs``: why the folder lacks it
ABSENT = "borderflow_absent"


def stand_in(reason: str) -> pd.DataFrame:
    """An empty table (no columns) standing in for one a folder lacks; ``reason``:
    ``missing`` or ``unreadable``."""
    frame = pd.DataFrame()
    frame.attrs[ABSENT] = reason
    return frame


def absent_tables(tables: dict) -> dict[str, str]:
    """Name -> reason of the stand-ins (:func:`stand_in`) among ``tables``."""
    return {n: t.attrs[ABSENT] for n, t in tables.items()
            if isinstance(t, pd.DataFrame) and ABSENT in t.attrs}


class MissingTable(KeyError):
    """A check asked for a table the folder lacks."""

    def __init__(self, table: str, reason: str = "missing"):
        super().__init__(table)
        self.table, self.reason = table, reason


class Tables(dict):
    """Tables by name, as read from a folder (``where``: the sub-folder, e.g.
    ``scenario-0/``): asking for one that is not there, or is a stand-in, raises
    :class:`MissingTable` naming it. ``get`` and ``in`` behave as a dict's."""

    def __init__(self, tables: dict, where: str = "", absent: dict | None = None):
        super().__init__(tables)
        self.where = where
        self.absent = {**absent_tables(tables), **(absent or {})}

    def __getitem__(self, name):
        if name in self.absent or name not in self:
            raise MissingTable(f"{self.where}{name}", self.absent.get(name, "missing"))
        return super().__getitem__(name)


def not_checked(name: str, err: Exception, verb: str,
                absent: dict | None = None) -> pd.DataFrame:
    """The failed ``verifier`` row of check ``name`` that raised ``err``: "<reason> table
    <table>: <name> not <verb>" when it stopped on a table the folder lacks (a
    :class:`MissingTable`, or a ``KeyError`` while ``absent``, name -> reason, is not empty),
    else "<name> could not be <verb> (<error type>: <message>)", the message on one line and
    cut to 160 characters."""
    if isinstance(err, MissingTable):
        said = f"{err.reason} table {err.table}: {name} not {verb}"
    elif isinstance(err, KeyError) and absent:
        lacking = ", ".join(f"{r} table {t}" for t, r in sorted(absent.items()))
        said = f"{lacking}: {name} not {verb}"
    else:
        what = " ".join(str(err).split())[:160]
        said = f"{name} could not be {verb} ({type(err).__name__}: {what})"
    return rows("verifier", said, np.inf, "checks")
