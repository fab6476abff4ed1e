"""What the command line prints: views as rich tables, sentences, where files went, the
verification outcome, the ``--json`` envelope, and the sweep's progress bar.

Nothing here computes a result. Tables come as :class:`borderflow.present.views.View` (the same
rows ``--json`` carries); numbers are rounded by unit there. ``borderflow -q`` silences all of
it but errors (:func:`borderflow.cli.progress.set_level` sets the consoles quiet); the JSON
envelope, asked for with ``--json``, is printed anyway, on stdout and alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from borderflow.present.views import View

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def set_quiet(quiet: bool) -> None:
    """Silence (or not) everything printed but errors."""
    out_console.quiet = quiet


def emit_json(env: dict) -> None:
    """Print an envelope on stdout as plain JSON (no colours, no wrapping)."""
    from borderflow.present.envelope import dumps

    typer.echo(dumps(env))


def error(text: str, kind: str = "error") -> None:
    """An error line on stderr (``error: ...``); printed even with ``-q``."""
    err_console.print(f"[bold red]{kind}:[/] {escape(text)}", soft_wrap=True)


def warn(text: str) -> None:
    """A warning on stderr; silenced by ``-q``."""
    if not out_console.quiet:
        err_console.print(f"[yellow]warning:[/] {escape(text)}", soft_wrap=True)


def say(text: str) -> None:
    """A line of plain text (no markup) on stdout."""
    out_console.print(escape(text), soft_wrap=True)


def note(text: str) -> None:
    """A dim note on stdout (what a command decided for the user, e.g. the dispatch mode)."""
    out_console.print(f"[dim]{escape(text)}[/]", soft_wrap=True)


def story(lines: Iterable[str]) -> None:
    """The narrative: one bullet per sentence."""
    for line in lines:
        out_console.print(f"• {escape(line)}", soft_wrap=True)


def wrote(paths) -> None:
    """``wrote <path>`` per file written."""
    for path in paths:
        out_console.print(f"wrote [bold]{escape(str(path))}[/]")


def print_view(view: View) -> None:
    """A view as a rich table (numbers right-aligned, ids never cut), then its notes."""
    if view.empty or not view.columns:
        return
    t = Table(title=escape(view.title), title_justify="left")
    columns, rows = list(view.shown), view.cells()
    widths = fit_widths(columns, rows, out_console.width)
    notes = list(view.notes)
    if not _fits(widths, out_console.width) and len(rows) > 1:
        columns, rows, said = _without_constant_columns(columns, rows)
        notes = said + notes
        widths = fit_widths(columns, rows, out_console.width)
    for c, w in zip(columns, widths):
        t.add_column(escape(c.header), justify="right" if c.unit or c.unit_column else "left",
                     overflow="fold", width=w)
    for cells in rows:
        t.add_row(*(escape(v) for v in cells))
    if _fits(widths, out_console.width):
        out_console.print(t)
    else:  # wider than the terminal even so: never squeeze numbers and ids into broken cells
        Console(file=out_console.file, width=sum(widths) + 3 * len(widths) + 1,
                no_color=out_console.no_color, quiet=out_console.quiet,
                highlight=False).print(t)
    for note in notes:
        out_console.print(f"[dim]  {escape(note)}[/]", soft_wrap=True)


def _fits(widths: list[int], width: int) -> bool:
    """Columns of these widths, with a space each side of a cell and a border between, fit."""
    return sum(widths) + 3 * len(widths) + 1 <= width


def _without_constant_columns(columns: list, rows: list[list[str]]):
    """A table too wide for the terminal loses the columns that say the same in every row
    (ids and numbers kept), each said once in a note instead: ``horizon: representative day
    (year) in every row``. Returns the columns, the rows and the notes."""
    keep, notes = [], []
    for k, c in enumerate(columns):
        values = {r[k] for r in rows}
        if len(values) == 1 and not (c.key.endswith("_id") or c.unit or c.unit_column):
            value = values.pop()
            if value:
                notes.append(f"{c.header or c.key}: {value} in every row")
            continue
        keep.append(k)
    return ([columns[k] for k in keep], [[r[k] for k in keep] for r in rows], notes)


def fit_widths(columns: list, rows: list[list[str]], width: int) -> list[int]:
    """Column widths that fit ``width``: each column as wide as its widest cell or header;
    if that is too wide, the columns with the most room to give are narrowed first, names and
    headers wrapping between words, while ids (and check names), directions, units and
    numbers keep their width (never broken). Deterministic, so a table reads the same at the
    same width."""
    natural, least, tight = [], [], []
    for k, c in enumerate(columns):
        cells = [r[k] for r in rows]
        widest = max([len(c.header), *(len(v) for v in cells)])
        word = max([len(w) for w in c.header.split()] or [0])
        longest = max([len(v) for v in cells] or [0])
        if c.key.endswith("_id") or c.key in ("dir", "unit", "usd_unit", "t_unit", "check"):
            floor = last = widest
        elif c.unit or c.unit_column:
            floor, last = max(word, longest), max(longest, min(word, 12), 4)
        else:
            words = [min(len(w), 14) for v in cells for w in v.split()]
            floor, last = max([min(word, 12), *words]), max([6, *words])
        natural.append(widest)
        least.append(min(floor, widest))
        tight.append(min(last, widest))
    budget = width - 3 * len(natural) - 1  # a space each side of a cell, a border between
    out = list(natural)
    for floors in (least, tight):  # headers break between words; if still too wide, in words
        while sum(out) > budget:
            room = [w - m for w, m in zip(out, floors)]
            k = max(range(len(out)), key=lambda i: (room[i], -i))
            if room[k] <= 0:
                break
            out[k] -= 1
    return out


def print_views(views: Iterable[View]) -> None:
    """Each view that has rows."""
    for v in views:
        print_view(v)


def verification_outcome(report, report_file) -> bool:
    """Say whether a solution passed the independent checks (``report_file``: where the report
    was written), the five largest violations if not; True if it passed."""
    bad = report[~report["ok"].astype(bool)]
    if bad.empty:
        out_console.print(f"[green]verified[/]: {len(report):,} independent checks of the "
                          f"solution passed ({escape(str(report_file))})", soft_wrap=True)
        return True
    error(f"{len(bad):,} of {len(report):,} checks of the solution failed; see {report_file}",
          "verification failed")
    for r in bad.sort_values("amount", ascending=False, kind="stable").head(5).itertuples():
        err_console.print(f"  {escape(r.check)}: {escape(str(r.entity))} by {r.amount:.6g} "
                          f"{escape(str(r.unit))}", soft_wrap=True)
    return False


def verify_verdict(solution, files) -> None:
    """``borderflow verify``'s last line: the solution's checks (the same count ``solve``
    reports) and the run folder's files."""
    bad = int((~solution["ok"].astype(bool)).sum())
    changed = int((~files["ok"].astype(bool)).sum())
    n_files = int((files["check"] == "input_checksum").sum())
    inputs = (f"the {n_files} input files are unchanged since the run" if changed == 0 else
              f"{changed} of the run folder's {len(files)} file checks failed (an input "
              "changed since the run, or a table is missing)")
    if bad == 0 and changed == 0:
        out_console.print(f"[green]verified[/]: all {len(solution):,} checks of the solution "
                          f"passed; {escape(inputs)}")
    else:
        out_console.print(f"[bold red]not verified[/]: {bad:,} of {len(solution):,} checks of "
                          f"the solution failed; {escape(inputs)}")


class SweepProgress:
    """A rich progress bar per sweep stage (scenarios, investments) with done / failed /
    remaining and the time left, fed by :func:`borderflow.sweep`'s ``on_progress``; or
    nothing."""

    def __init__(self, show: bool):
        self.show = show and not out_console.quiet
        self.bar = None

    def __call__(self, stage: str, done, total, message: str) -> None:
        """Advance the bar of ``stage`` (a new stage starts a new bar)."""
        if not self.show or total is None:
            self.close()
            return
        if done == 0:
            self.close()
            self._start(stage, int(total))
            return
        if self.bar is not None:
            ok = message.endswith(": optimal")
            self.ok += ok
            self.failed += not ok
            self.bar.update(self.task, advance=1, ok=self.ok, failed=self.failed,
                            left=self.total - self.ok - self.failed)

    def _start(self, label: str, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.ok = self.failed = 0
        self.total = total
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            MofNCompleteColumn(),
                            TextColumn("[green]{task.fields[ok]} done[/] · [red]"
                                       "{task.fields[failed]} failed[/] · "
                                       "{task.fields[left]} remaining"),
                            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                            console=err_console)
        self.bar.start()
        self.task = self.bar.add_task(label, total=total, ok=0, failed=0, left=total)

    def close(self) -> None:
        """Stop the current bar, if any."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
