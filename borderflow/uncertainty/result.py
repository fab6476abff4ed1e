"""What :func:`borderflow.uncertainty` returns: bands, sensitivity, the words and the folder.

:class:`UncertaintyResult` holds the tables; :meth:`~UncertaintyResult.text` says them as an
analyst quotes them ("+44,200 USD/day (P10–P90: 21,000–90,500)",
:func:`borderflow.uncertainty.format.with_band`), :meth:`~UncertaintyResult.views` shows them
in the terminal and ``--json``, :meth:`~UncertaintyResult.write` writes the uncertainty folder
through borderflow's one writer (:func:`borderflow.io.write_folder`: built beside, swapped in,
manifest and marker), byte-identical for the same inputs, seed and options (no clock in it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.scenario import Scenario
from borderflow.present.views import Column, View

from .format import quote, with_band
from .sampling import SampleSet
from .summaries import routing_sentence

#: the folder's description of the run (``run.json`` of an uncertainty folder)
METADATA = "uncertainty.json"
#: the plain-language summary kept in the folder
SUMMARY_TEXT = "summary.txt"

#: measure -> words, for the summary
WORDS = {"cost_usd": "net cost (objective: costs minus revenue)",
         "unserved_t": "unserved", "spoiled_t": "spoiled",
         "cost_increase_usd": "cost of the disruption (net value lost vs baseline)",
         "unserved_increase_t": "more unserved than the baseline",
         "spoiled_increase_t": "more spoiled than the baseline"}


#: measure -> a table's label (short: the terminal's column is narrow)
LABELS = {"cost_usd": "net cost (objective)", "unserved_t": "unserved", "spoiled_t": "spoiled",
          "net_value_usd": "net value (revenue minus costs)",
          "cost_increase_usd": "cost of the disruption", "unserved_increase_t": "extra unserved",
          "spoiled_increase_t": "extra spoiled"}


def as_net_value(bands: pd.DataFrame) -> pd.DataFrame:
    """The objective's rows (``cost_usd``: costs minus revenue, negative when revenue is the
    larger) said as an analyst quotes them: net value, revenue minus costs, so positive; its
    P10 is minus the objective's P90 and the other way round. What the terminal and ``--json``
    show; ``bands.csv`` keeps the objective.

    Parameters
    ----------
    bands : DataFrame
        Rows with ``measure``, ``point``, ``p10``, ``p50``, ``p90``.

    Returns
    -------
    DataFrame
        A copy, ``cost_usd`` rows turned into ``net_value_usd`` rows.
    """
    out = bands.copy()
    obj = out["measure"] == "cost_usd"
    for col, src in (("point", "point"), ("p10", "p90"), ("p50", "p50"), ("p90", "p10")):
        out.loc[obj, col] = -bands.loc[obj, src].astype(float)
    out.loc[obj, "measure"] = "net_value_usd"
    return out


def _unit(measure: str, dated: bool) -> str:
    if measure.startswith("queue_peak_trucks"):
        return "trucks"
    if measure.startswith("clear_day"):
        return "days"
    base = "USD" if measure.endswith("_usd") else "t"
    return base if dated else f"{base}/day"


def _words(measure: str) -> str:
    if ":" in measure:
        kind, gate, direction = measure.split(":")
        what = "queue peak" if kind.startswith("queue") else "days until the queue clears"
        return f"{what} at {gate} ({direction.replace('_', ' ')})"
    return WORDS.get(measure, measure)


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Bands of a scenario's headline numbers over samples of the dataset's ranges.

    Attributes
    ----------
    scenario : Scenario
    samples : SampleSet
        The design (values of every sampled number per sample).
    results : DataFrame
        ``scenario, sample, measure, value, status`` (``scenario``: ``scenario`` or
        ``baseline``; a sample that did not solve has its termination in ``status``).
    summary : DataFrame
        ``scenario, measure, point, p10, p50, p90, mean, min, max, samples``.
    increase : DataFrame or None
        The same for scenario minus baseline, sample by sample (a disruption's cost).
    sensitivity : dict
        ``{"screening": rho table, <target>: Morris or Sobol indices}``.
    tornado : dict
        ``{<target>: one-at-a-time swings}``.
    metadata : dict
        Seed, method, ranges file and SHA-256, route set, held numbers, provenance.
    seconds_per_sample : float
        Mean wall time of one sample (all its models), not written to the folder.
    dated : bool
        Amounts over the horizon (True) or per day (False).
    """

    scenario: Scenario
    samples: SampleSet
    results: pd.DataFrame
    summary: pd.DataFrame
    increase: pd.DataFrame | None
    sensitivity: dict = field(default_factory=dict)
    tornado: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    seconds_per_sample: float = float("nan")
    dated: bool = False

    # ---- words -----------------------------------------------------------------------------
    def band(self, measure: str, scenario: str | None = "scenario") -> str:
        """``measure`` as quoted with its band (from :attr:`increase` when ``scenario`` is
        None or the measure is an increase)."""
        table = self.increase if (scenario is None or "_increase_" in measure) else \
            self.summary[self.summary["scenario"] == scenario]
        if table is None:
            raise KeyError(f"no band of {measure}")
        row = table[table["measure"] == measure]
        if row.empty:
            raise KeyError(f"no band of {measure}")
        r = row.iloc[0]
        return with_band(float(r["point"]), float(r["p10"]), float(r["p90"]),
                         _unit(measure, self.dated), sign="_increase_" in measure)

    def text(self) -> list[str]:
        """The plain-language summary: what was sampled, the bands, what drives them."""
        m = self.metadata
        lines = [f"{m['samples']:,} samples ({m['method']}, seed {m['seed']}) of "
                 f"{m['factors']:,} ranged numbers ({m['dimensions']:,} independent dimensions) "
                 f"from {m['ranges_file']}; each solved "
                 + ("warm on the kept model (routes: those enumerated plus those column "
                    "generation needs at the dataset's values; each sample priced with its "
                    "own duals)" if m["mode"] == "warm" else "on a model rebuilt from its "
                                                              "tables")]
        routing = m.get("routing") or {}
        if routing.get("samples"):
            lines.append(routing_sentence(routing, per_day=not self.dated))
        if self.increase is not None:
            for measure in ("cost_increase_usd", "unserved_increase_t", "spoiled_increase_t"):
                if (self.increase["measure"] == measure).any():
                    lines.append(f"{_words(measure)}: {self.band(measure)}")
        s = self.summary[self.summary["scenario"] == "scenario"]
        cost = s[s["measure"] == "cost_usd"]
        if len(cost):  # said as the net value an analyst reads (minus the objective)
            r = cost.iloc[0]
            unit = _unit("cost_usd", self.dated)
            lines.append(f"{self.scenario.name}, net value (revenue minus costs; point at the "
                         f"dataset's values): "
                         f"{with_band(-r['point'], -r['p90'], -r['p10'], unit)}"
                         + off_centre(-r["point"], -r["p90"], -r["p10"]))
        for measure in ("unserved_t", "spoiled_t"):
            if (s["measure"] == measure).any():
                lines.append(f"{self.scenario.name}, {_words(measure)}: "
                             f"{self.band(measure)}")
        peaks = s[s["measure"].str.startswith("queue_peak")].sort_values(
            ["p50", "measure"], ascending=[False, True], kind="stable").head(5)
        lines += [f"{_words(r.measure)}: {self.band(r.measure)}"
                  for r in peaks.itertuples(index=False)]
        lines += self._sensitivity_lines()
        failed = self.results[self.results["status"] != "optimal"]["sample"].nunique()
        if failed:
            lines.append(f"{failed:,} sample(s) did not solve to optimality (their "
                         "termination is in results.csv); the bands are over the others")
        held = m.get("held_structural") or []
        if held:
            lines.append(f"{len(held):,} ranged number(s) that change the model's "
                         "structure (dated: link hours, dwell, shelf lives; with congestion "
                         "tiers: payloads) were held at the dataset's values (sample them "
                         "with --rebuild)")
        return lines

    def _sensitivity_lines(self) -> list[str]:
        meta = self.metadata.get("sensitivity", {})
        target = meta.get("target")
        if meta.get("method", "none") == "none" or target not in self.tornado:
            return []
        unit = _unit(target, self.dated)
        kept = f"{meta['dimensions_kept']:,} of {meta['dimensions']:,} dimensions kept by " \
               "rank correlation" if meta["dimensions_kept"] < meta["dimensions"] else \
               "every dimension"
        if meta["dimensions_kept"] < meta["dimensions"] and meta.get("screen_stand_out") == 0:
            kept += (f", none of them standing out from chance over "
                     f"{meta.get('screen_samples', 0):,} samples (Bonferroni, 5 %): the largest "
                     "drivers may be among those left out; more samples sharpen the screen")
        if target in self.sensitivity:
            t = self.sensitivity[target].head(3)
            col, label = ("mu_star", "Morris mu*") if "mu_star" in t else ("ST", "Sobol total")
            shown = unit if col == "mu_star" else "-"
            items = [f"{r['dimension']} ({label} {quote(float(r[col]), shown)}"
                     f"{' ' + unit if col == 'mu_star' else ''})" for _, r in t.iterrows()]
        else:
            t = self.tornado[target].head(3)
            items = [f"{r['dimension']} (swing {quote(float(r['swing']), unit)} {unit})"
                     for _, r in t.iterrows()]
        return [f"what moves the {_words(target)} most ({kept}): " + "; ".join(items)]

    # ---- tables ------------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the uncertainty folder, by file name."""
        out = {"factors": self.samples.space.factors, "samples": self.samples.long(),
               "results": self.results, "bands": self.summary}
        if self.increase is not None:
            out["increase"] = self.increase
        for name, t in self.sensitivity.items():
            out[name if name == "screening" else f"sensitivity_{name}"] = t
        for name, t in self.tornado.items():
            out[f"tornado_{name}"] = t
        return out

    def views(self) -> list[View]:
        """What the terminal shows (and ``--json`` carries): bands, then the top drivers."""
        cols = [Column("what", "measure"), Column("point", "point", unit_column="unit"),
                Column("p10", "P10", unit_column="unit"), Column("p50", "P50", unit_column="unit"),
                Column("p90", "P90", unit_column="unit"), Column("unit", "unit"),
                Column("measure", "measure", shown=False), Column("scenario", "scenario",
                                                                  shown=False)]
        parts = []
        if self.increase is not None:
            parts.append(self.increase.assign(scenario="increase"))
        parts.append(self.summary)
        bands = as_net_value(pd.concat(parts, ignore_index=True))
        bands["what"] = [(LABELS.get(m, _words(m)) if s in ("increase", "scenario") else
                          f"baseline: {LABELS.get(m, _words(m))}")
                         for m, s in zip(bands["measure"], bands["scenario"])]
        bands["unit"] = [_unit(m, self.dated) for m in bands["measure"]]
        views = [View("bands", f"P10/P50/P90 over {self.metadata['samples']:,} samples "
                      f"({'over the horizon' if self.dated else 'per day'})", cols,
                      bands[[c.key for c in cols]], self.text()[:1])]
        meta = self.metadata.get("sensitivity", {})
        target = meta.get("target")
        if target in self.tornado:
            unit = _unit(target, self.dated)
            t = self.tornado[target].head(10).assign(unit=unit)
            views.append(View("tornado", f"{LABELS.get(target, target)}: at each input's "
                              "low and high (others at the dataset's values)",
                              [Column("dimension", "input"),
                               Column("at_low", "at low", unit_column="unit"),
                               Column("at_high", "at high", unit_column="unit"),
                               Column("swing", "swing", unit_column="unit"),
                               Column("unit", "unit")], t, self._sensitivity_lines()))
        return views

    # ---- folder ------------------------------------------------------------------------------
    def write(self, folder, on_progress=None) -> Path:
        """Write the uncertainty folder: every table (CSV and parquet), ``uncertainty.json``,
        ``summary.txt`` and a tornado chart per target (``tornado_<target>.png``).

        Parameters
        ----------
        folder : path or Claim
            As :func:`borderflow.io.write_folder` takes it (absent, empty or borderflow's).

        Returns
        -------
        Path
        """
        from borderflow.io import write_folder
        from borderflow.runfolder import Claim, claim

        from .tornado import tornado_png

        if not isinstance(folder, Claim):  # an uncertainty folder, as the command claims it
            with claim(folder, "uncertainty", volatile={}) as target:
                return self.write(target, on_progress)

        if on_progress is not None:
            on_progress("write", None, None, f"writing {getattr(folder, 'out', folder)}")

        def charts(tmp: Path) -> None:
            for target, table in self.tornado.items():
                tornado_png(table, tmp / f"tornado_{target}.png",
                            title=_words(target).split(" (")[0].capitalize(),
                            unit=_unit(target, self.dated))

        return write_folder(folder, self.tables(), {METADATA: self.metadata},
                            texts={SUMMARY_TEXT: "\n".join(self.text()) + "\n"}, also=charts,
                            volatile={})

    def quantiles(self, measure: str, scenario: str = "scenario") -> np.ndarray:
        """``[p10, p50, p90]`` of a measure (an ``*_increase_*`` measure: of the increase)."""
        table = self.increase if "_increase_" in measure else \
            self.summary[self.summary["scenario"] == scenario]
        row = table[table["measure"] == measure].iloc[0]
        return row[["p10", "p50", "p90"]].to_numpy(dtype=float)


def off_centre(point: float, p10: float, p90: float) -> str:
    """A clause for a point value outside its own P10-P90 band ("" when inside): the sampled
    ranges are not centred on the dataset's values, so most samples lie on one side of it."""
    if point < p10:
        side = "below P10"
    elif point > p90:
        side = "above P90"
    else:
        return ""
    return (f"; the point lies {side}: the dataset's values sit near one end of their ranges "
            "(ranges.csv), so most samples fall on one side of it")

