"""What the command line prints: rich tables of a run, a reroute, a robust plan, a sweep, a
verification report and the dataset summary, and the sweep's progress bar.

Nothing here computes a result; every function takes what the public API returned.
"""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

out_console = Console()
err_console = Console(stderr=True)


def fmt(x: float, digits: int = 1) -> str:
    """``12,345.6``: thousands separated, ``digits`` decimals."""
    return f"{x:,.{digits}f}"


def print_summary(summary: dict, crossings: pd.DataFrame) -> None:
    """The measures of a run's summary and its busiest crossings."""
    t = Table(title=f"borderflow — {summary['scenario']} ({summary['period_label']})")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for key, label in (("status", "status"), ("objective_usd", "objective (USD)"),
                       ("transport_cost_usd", "transport cost (USD)"),
                       ("revenue_usd", "market revenue (USD)"),
                       ("lost_value_usd", "value not shipped (USD)"),
                       ("supply_t", "supply (t)"), ("shipped_t", "shipped (t)"),
                       ("unserved_t", "unserved (t)"), ("spoiled_t", "spoiled (t)"),
                       ("trucks", "trucks"), ("solve_seconds", "solve (s)")):
        v = summary[key]
        t.add_row(label, v if isinstance(v, str) else fmt(v, 2 if key == "solve_seconds" else 1))
    out_console.print(t)
    busy = crossings.groupby(["crossing_id", "direction", "from_country", "to_country"],
                             as_index=False).agg(flow_trucks=("flow_trucks", "sum"),
                                                 capacity=("capacity_trucks_per_day", "sum"),
                                                 utilisation=("utilisation", "mean"),
                                                 dual=("dual_usd_per_truck", "mean"))
    busy = busy[busy["flow_trucks"] > 1e-6].sort_values("flow_trucks", ascending=False).head(15)
    days = crossings["period"].nunique()
    ct = Table(title="busiest crossings (trucks per day)" if days <= 1 else
               f"busiest crossings (trucks over {days} days; utilisation and USD per extra "
               "truck: daily means)")
    for col in ("crossing", "dir", "trucks", "capacity", "util.", "USD per extra truck"):
        ct.add_column(col, justify="left" if col in ("crossing", "dir") else "right")
    for r in busy.itertuples(index=False):
        ct.add_row(r.crossing_id, f"{r.from_country}→{r.to_country}", fmt(r.flow_trucks),
                   fmt(r.capacity, 0), f"{r.utilisation:.0%}", fmt(r.dual, 2))
    out_console.print(ct)


def print_reroute(close: list[str], diff) -> None:
    """Flow by crossing, cost and losses, and products, before and after a closure."""
    ct = Table(title=f"flow by crossing, trucks per day — closed: {', '.join(close)}")
    for col in ("crossing", "dir", "before", "after", "delta"):
        ct.add_column(col, justify="left" if col in ("crossing", "dir") else "right")
    for r in diff["crossing_changes"].itertuples(index=False):
        name = r.crossing_id + ("" if r.open_after else " (closed)")
        ct.add_row(name, f"{r.from_country}→{r.to_country}", fmt(r.before_trucks),
                   fmt(r.after_trucks), f"{r.delta_trucks:+,.1f}")
    out_console.print(ct)
    cost = Table(title="cost and losses")
    for col in ("measure", "before", "after", "delta"):
        cost.add_column(col, justify="left" if col == "measure" else "right")
    for r in diff["cost_changes"].itertuples(index=False):
        cost.add_row(r.measure, fmt(r.before), fmt(r.after), f"{r.delta:+,.1f}")
    out_console.print(cost)
    pt = Table(title="unserved and spoiled tonnes per product")
    for col in ("product", "unserved before", "unserved after", "spoiled before",
                "spoiled after"):
        pt.add_column(col, justify="left" if col == "product" else "right")
    for r in diff["product_changes"].itertuples(index=False):
        pt.add_row(r.product_id, fmt(r.unserved_t_before), fmt(r.unserved_t_after),
                   fmt(r.spoiled_t_before), fmt(r.spoiled_t_after))
    out_console.print(pt)


def print_robust(result) -> None:
    """The robust plan against the baseline plan, per scenario, and the bookings that move."""
    s = result.summary
    t = Table(title="robust plan vs the plan that assumed nothing closes (USD per day)")
    for col in ("scenario", "probability", "baseline plan", "robust plan", "regret"):
        t.add_column(col, justify="left" if col == "scenario" else "right")
    for r in result.scenarios.itertuples(index=False):
        t.add_row(r.scenario, f"{r.probability:.3f}", fmt(r.cost_usd_baseline, 0),
                  fmt(r.cost_usd_robust, 0), f"{r.regret_usd:+,.0f}")
    t.add_row("expected", "", fmt(s["expected_cost_usd_baseline"], 0),
              fmt(s["expected_cost_usd_robust"], 0), f"{s['value_of_robust_plan_usd']:+,.0f}")
    out_console.print(t)
    moved = result.plan_crossings[result.plan_crossings["delta_trucks_per_day"].abs() > 0.05]
    ct = Table(title="bookings that change (trucks per day)")
    for col in ("crossing", "dir", "baseline plan", "robust plan", "delta"):
        ct.add_column(col, justify="left" if col in ("crossing", "dir") else "right")
    for r in moved.itertuples(index=False):
        ct.add_row(r.crossing_id, r.direction, fmt(r.baseline_trucks_per_day),
                   fmt(r.robust_trucks_per_day), f"{r.delta_trucks_per_day:+,.1f}")
    out_console.print(ct)
    out_console.print(f"• planning for the closures saves USD {s['value_of_robust_plan_usd']:,.0f}"
                      " per day in expectation", highlight=False)


def rich_table(title: str, df: pd.DataFrame, columns: list[tuple[str, str, str]]) -> None:
    """Print ``df`` as a rich table; ``columns``: (column, header, format: ``usd``, ``t``,
    ``pct``, ``n`` or ``text``)."""
    if df.empty:
        return
    t = Table(title=title)
    for _, header, kind in columns:
        t.add_column(header, justify="left" if kind == "text" else "right")
    formats = {"usd": lambda v: f"{v:+,.0f}", "t": fmt, "pct": lambda v: f"{v:.0%}",
               "n": lambda v: f"{v:,.0f}", "text": str}
    for row in df[[c for c, _, _ in columns]].itertuples(index=False):
        t.add_row(*("" if pd.isna(v) else escape(formats[kind](v))
                    for v, (_, _, kind) in zip(row, columns)))
    out_console.print(t)


def print_sweep(tables: dict[str, pd.DataFrame], top: int) -> None:
    """The comparison, criticality, value of capacity and investment ranking of a sweep."""
    comp = tables["comparison"]
    scen = comp[comp["role"] == "scenario"].sort_values("cost_increase_usd", ascending=False,
                                                          na_position="first", kind="stable")
    rich_table("scenarios against their baseline (USD and t per run; failed first)",
                scen.head(top), [("scenario", "scenario", "text"), ("status", "status", "text"),
                                 ("cost_increase_usd", "cost +USD", "usd"),
                                 ("unserved_increase_t", "unserved +t", "t"),
                                 ("spoiled_increase_t", "spoiled +t", "t"),
                                 ("top_gaining_crossings", "flow went to (trucks)", "text")])
    failed = comp[comp["status"] != "optimal"]
    for r in failed.itertuples(index=False):
        err_console.print(f"[red]{r.status}[/]: {escape(r.scenario)} {escape(str(r.message))}",
                          highlight=False, soft_wrap=True)
    rich_table("criticality: cost of losing each crossing", tables["criticality"].head(top),
                [("rank", "#", "n"), ("crossing_id", "crossing", "text"),
                 ("month", "month", "n"), ("closed_days", "days", "n"),
                 ("cost_increase_usd", "cost +USD", "usd"),
                 ("unserved_increase_t", "unserved +t", "t"),
                 ("baseline_flow_trucks", "trucks before", "t"),
                 ("top_gaining_crossings", "flow went to", "text")])
    by_month = tables["criticality_by_month"]
    if not by_month.empty:
        cols = [c for c in by_month.columns if c.startswith("m") and c.endswith("_usd")]
        rich_table("criticality by month (cost +USD)", by_month.head(top),
                    [("crossing_id", "crossing", "text"), *[(c, c[1:3], "n") for c in cols]])
    value = tables["capacity_value"]
    value = value[value["value_usd_per_extra_truck_per_day"] > 1e-6]
    rich_table("value of capacity: one more truck per day (USD)", value.head(top),
                [("baseline", "baseline", "text"), ("crossing_id", "crossing", "text"),
                 ("direction", "dir", "text"), ("utilisation", "util.", "pct"),
                 ("value_usd_per_extra_truck_per_day", "USD", "usd")])
    rich_table("investment ranking: benefit with vs without (USD)",
                tables["investment_ranking"].head(top),
                [("rank", "#", "n"), ("project", "project", "text"), ("kind", "kind", "text"),
                 ("benefit_baseline_usd", "baseline", "usd"),
                 ("benefit_mean_usd", "mean", "usd"), ("benefit_max_usd", "max", "usd"),
                 ("worth_most_under", "worth most under", "text")])


def print_verification(run_dir, report: pd.DataFrame, bad: pd.DataFrame, by_check: pd.DataFrame,
                       show: int) -> None:
    """``borderflow verify``: one row per check, then the largest violations, then the
    verdict."""
    t = Table(title=f"independent verification of {run_dir}")
    for col in ("check", "entities", "violations", "worst amount", "unit"):
        t.add_column(col, justify="left" if col in ("check", "unit") else "right")
    for r in by_check.itertuples(index=False):
        style = "red" if r.violations else None
        t.add_row(r.check, f"{r.entities:,}", f"{r.violations:,}", f"{r.worst:.3g}", r.unit,
                  style=style)
    out_console.print(t)
    if len(bad):
        v = Table(title=f"violations (largest {min(show, len(bad))} of {len(bad):,})")
        for col in ("check", "entity", "amount", "unit", "tolerance"):
            v.add_column(col, justify="right" if col in ("amount", "tolerance") else "left")
        for r in bad.sort_values("amount", ascending=False, kind="stable").head(show) \
                .itertuples(index=False):
            v.add_row(r.check, escape(str(r.entity)), f"{r.amount:.6g}", r.unit,
                      f"{r.tolerance:.2g}")
        out_console.print(v)
    verdict = ("[green]verified[/]: all" if bad.empty else "[bold red]not verified[/]:"
               f" {len(bad):,} of")
    out_console.print(f"{verdict} {len(report):,} checks" + (" passed" if bad.empty else
                                                              " failed"), highlight=False)


def print_verification_outcome(report: pd.DataFrame, report_file, quiet: bool = False) -> bool:
    """Say whether a solution passed the independent checks (``report_file``: where the report
    was written); the five largest violations if not. Returns True if it passed."""
    bad = report[~report["ok"]]
    if bad.empty:
        if not quiet:
            out_console.print(f"[green]verified[/]: {len(report):,} independent checks passed "
                              f"({report_file})", highlight=False)
        return True
    err_console.print(f"[bold red]verification failed:[/] {len(bad):,} of {len(report):,} "
                      f"checks; see {report_file}", highlight=False)
    for r in bad.sort_values("amount", ascending=False, kind="stable").head(5).itertuples():
        err_console.print(f"  {r.check}: {escape(str(r.entity))} by {r.amount:.6g} {r.unit}",
                          highlight=False, soft_wrap=True)
    return False


def print_dataset_summary(summary: dict, warnings: list) -> None:
    """``borderflow data check``: counts per table, warnings, the verdict."""
    for title, rows in summary.items():
        t = Table(title=title)
        t.add_column("")
        t.add_column("count", justify="right")
        for k, v in rows.items():
            t.add_row(str(k), str(v))
        out_console.print(t)
    for w in warnings:
        err_console.print(f"[yellow]warning:[/] {escape(str(w))}", highlight=False,
                          soft_wrap=True)
    out_console.print(f"[green]dataset OK[/] ({len(warnings)} warning(s))")


class SweepProgress:
    """A rich progress bar per sweep stage (scenarios, investments) with done / failed /
    remaining, fed by :func:`borderflow.sweep`'s ``on_progress`` callback; or nothing."""

    def __init__(self, show: bool):
        self.show = show
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
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.ok = self.failed = 0
        self.total = total
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            MofNCompleteColumn(),
                            TextColumn("[green]{task.fields[ok]} done[/] · [red]"
                                       "{task.fields[failed]} failed[/] · "
                                       "{task.fields[left]} remaining"),
                            TimeElapsedColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True))
        self.bar.start()
        self.task = self.bar.add_task(label, total=total, ok=0, failed=0, left=total)

    def close(self) -> None:
        """Stop the current bar, if any."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> SweepProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
