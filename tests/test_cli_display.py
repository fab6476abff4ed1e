"""Tables in a terminal too narrow for them (issue 22: the N-1 criticality table at 120 columns
showed an empty rank column and numbers broken across lines, "+285,3" over "07").

A table that does not fit loses the columns that say the same in every row (each said once
in a note); if it still does not fit, it is printed wider than the terminal rather than with
numbers, ids or ranks squeezed into broken cells.
"""

from __future__ import annotations

import io

import pandas as pd
from rich.console import Console

from borderflow.cli import display
from borderflow.present.views import Column, View


def _printed(view: View, width: int, monkeypatch) -> str:
    buf = io.StringIO()
    monkeypatch.setattr(display, "out_console", Console(file=buf, width=width, no_color=True,
                                                         highlight=False))
    display.print_view(view)
    return buf.getvalue()


def _view(n: int = 3) -> View:
    rows = pd.DataFrame({
        "rank": [str(i + 1) for i in range(n)],
        "crossing": ["Boten–Mohan", "Vientiane–Nong Khai", "Tan Thanh–Po Chai"][:n],
        "crossing_id": ["boten-mohan-rail", "vientiane-nong-khai", "tan-thanh-puzhai"][:n],
        "horizon": ["representative day (year)"] * n,
        "cost": [285_307.4, 92_419.1, 10_210.5][:n],
        "usd_unit": ["USD/day"] * n,
        "went_to": ["Houayxay–Chiang Khong +155.6; Nam Phao–Cau Treo +101.0"] * n})
    return View("criticality", "criticality", [
        Column("rank", "#"), Column("crossing", "crossing"), Column("crossing_id", "id"),
        Column("horizon", "horizon"), Column("cost", "cost of the loss", "USD", signed=True),
        Column("usd_unit", "unit"), Column("went_to", "flow went to")], rows)


def test_a_narrow_terminal_keeps_ranks_ids_and_numbers_whole(monkeypatch):
    out = _printed(_view(), 80, monkeypatch)
    assert "+285,307" in out and "+92,419" in out and "boten-mohan-rail" in out
    assert "│ 1 " in out and "│ 3 " in out
    assert "horizon: representative day (year) in every row" in out
    assert "unit: USD/day in every row" in out
    assert max(len(line) for line in out.splitlines() if "│" in line) <= 80


def test_a_table_that_fits_is_printed_as_it_is(monkeypatch):
    out = _printed(_view(), 200, monkeypatch)
    assert "in every row" not in out and "representative day (year)" in out


def test_what_cannot_fit_is_printed_wider_not_broken(monkeypatch):
    out = _printed(_view(), 40, monkeypatch)
    assert "+285,307" in out and "boten-mohan-rail" in out and "vientiane-nong-khai" in out
