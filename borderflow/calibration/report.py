"""The fit report: each observation before and after, each parameter's move, goodness of fit.

Tables (:func:`calibration_report`):

- ``observations``: every observation with its use, band in the model's terms, the model's
  value before (prior dataset) and after (calibrated dataset, both solved from scratch for each
  month), the misfit in band units and whether it is inside the band;
- ``parameters``: every calibrated number with its prior, range, calibrated value (as
  written) and move in range units (-1 the low end, +1 the high end);
- ``dated_check`` (when the dated-baseline check ran, :mod:`.dated_check`): each gate
  observation of a month or a season with its band, the static model's value, the dated
  baseline's, each in or out, and ``flag`` (in band statically, out of band dated);
- ``goodness``: share of the fitted observations inside their band (``fit`` and ``upper``), the
  weighted RMSE of the log ratio model / target over the ``fit`` observations (weights
  1 / (half the log band)^2; a model value of 0 counts as 1 % of the target), the MAP objective
  and its two parts (the Huber misfit and the prior term, :mod:`.fit`), before and after.

:func:`markdown` and :func:`html` render them (the HTML with Jinja2, autoescaped).
"""

from __future__ import annotations

import math
from html import escape

import jinja2
import numpy as np
import pandas as pd

from .fit import huber
from .targets import MIN_HALF_BAND, Targets

#: a model value of 0 is taken as this share of the target in the log ratio
LOG_FLOOR = 0.01
#: the gates of issue 18's done-when, as observation ids
DONE_WHEN = ("kim-thanh-2025-fruit", "boten-road-pre-covid-la-cn",
             "boten-rail-2023-jan-aug-la-cn", "lang-son-2025-export",
             "lang-son-2023-may-jul-export", "huu-nghi-2024-export", "tan-thanh-hfoods")


def observation_table(targets: Targets, before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
    """One row per observation: band, model before and after, misfit, inside the band."""
    t = targets.table
    out = t[["obs_id", "use", "element_kind", "element_id", "direction", "unit", "products",
             "period", "observed", "observed_low", "observed_high", "modelled_share",
             "year_scale", "target", "low", "high"]].copy()
    out["model_before"], out["model_after"] = before, after
    out["misfit_before"] = targets.residuals(before)
    out["misfit_after"] = targets.residuals(after)
    fitted = targets.fitted
    out["within_before"] = np.where(fitted, targets.within(before), None)
    out["within_after"] = np.where(fitted, targets.within(after), None)
    out["reason"] = t["reason"]
    return out


def findings(observations: pd.DataFrame) -> list[str]:
    """One sentence per done-when observation: inside its band, or outside by how much."""
    out = []
    for r in observations[observations["obs_id"].isin(DONE_WHEN)].itertuples(index=False):
        shown = "" if r.use != "report" else " (reported only, not fitted)"
        where = (f"{r.obs_id}{shown}: {_num(r.model_after)} {r.unit} after calibration "
                 f"({_num(r.model_before)} before), band {_num(r.low)}-{_num(r.high)}")
        inside = r.within_after if r.use != "report" else \
            r.low - 1e-6 * max(1.0, abs(r.high)) <= r.model_after <= r.high + 1e-6 * max(
                1.0, abs(r.high))
        if inside:
            out.append(where + ": within the band.")
        else:
            gap = r.model_after - (r.high if r.model_after > r.high else r.low)
            out.append(where + f": outside by {_num(abs(gap))} {r.unit} "
                       f"({'above' if gap > 0 else 'below'}; why: docs/calibration.md, Limits).")
    return out


def _log_rmse(targets: Targets, values: np.ndarray) -> float:
    t = targets.table
    fit = (t["use"] == "fit").to_numpy()
    y, lo, hi = (t[c].to_numpy(dtype=float)[fit] for c in ("target", "low", "high"))
    v = np.maximum(np.asarray(values, dtype=float)[fit], LOG_FLOOR * y)
    half = np.maximum(np.log(np.maximum(hi, y * (1 + MIN_HALF_BAND))
                             / np.minimum(lo, y * (1 - MIN_HALF_BAND))) / 2, 1e-9)
    w = 1.0 / half ** 2
    return float(np.sqrt(np.sum(w * np.log(v / y) ** 2) / np.sum(w))) if len(y) else math.nan


def goodness_table(targets: Targets, before: np.ndarray, after: np.ndarray,
                   z: np.ndarray, prior_weight: float) -> pd.DataFrame:
    """Goodness of fit before and after (see the module docstring)."""
    fitted = targets.fitted
    rows = []
    for label, v, zz in (("before", before, np.zeros_like(z)), ("after", after, z)):
        r = targets.residuals(v)[fitted]
        inside = targets.within(v)[fitted]
        misfit, prior = float(np.sum(huber(r))), float(prior_weight ** 2 * (zz @ zz))
        rows.append({"when": label, "fitted_observations": int(fitted.sum()),
                     "within_band": int(inside.sum()),
                     "share_within_band": float(inside.mean()) if len(inside) else math.nan,
                     "weighted_rmse_log_ratio": _log_rmse(targets, v),
                     "misfit_huber": misfit, "prior_sum_sq": prior,
                     "objective": misfit + prior})
    return pd.DataFrame(rows)


def _num(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    x = float(x)
    d = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2 if abs(x) >= 0.1 else 4
    return f"{x:,.{d}f}".replace("-0.0000", "0").replace("-0.00", "0.00")


def _display(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype.kind in "fiub" or c.startswith("within"):
            out[c] = [_num(v) for v in out[c]]
    return out.fillna("-")


def _md_table(df: pd.DataFrame) -> str:
    d = _display(df)
    head = "| " + " | ".join(d.columns) + " |"
    rule = "|" + "|".join("---" for _ in d.columns) + "|"
    body = ["| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
            for row in d.itertuples(index=False)]
    return "\n".join([head, rule, *body])


_OBS_COLS = ["obs_id", "use", "unit", "period", "target", "low", "high", "model_before",
             "model_after", "misfit_before", "misfit_after", "within_after"]
_PAR_COLS = ["dimension", "table", "key", "field", "unit", "low", "prior", "high", "calibrated",
             "move_range_units"]


_DATED_COLS = ["obs_id", "use", "unit", "period", "low", "high", "static", "within_static",
               "dated", "within_dated", "flag"]


def dated_section(table: pd.DataFrame | None, meta: dict | None) -> list[str]:
    """The dated-baseline check as Markdown lines (none when it did not run): how the
    baselines were solved, a warning line per flagged gate, the table."""
    if table is None or meta is None:
        return []
    o = meta["options"]
    runs = meta["runs"]
    solved = ", ".join(f"{r['start']} ({r['routing']}, {r['variables']:,} variables)"
                       for r in runs)
    lines = ["## Dated-baseline check", "",
             (f"The calibrated dataset solved as undisrupted dated baselines ({o['dispatch']} "
              f"dispatch, {o['days']} days from day {o['start_day']} of each month an "
              f"observation's period touches, {o['year']}): {solved or 'none'}. Each gate "
              f"observation of a month or a season (at most {o['max_period_days']} days) "
              "compared with its band as the static check does (docs/calibration.md, "
              "\"The dated-baseline check\")."), ""]
    flagged = meta.get("flags", [])
    if flagged:
        lines += [f"**WARNING: {len(flagged)} gate(s) in band in the static model are out of "
                  "band in the dated baseline:**", "",
                  *[f"- **{line}**" for line in flagged], ""]
    else:
        lines += ["No gate is in band in the static model and out of band in the dated "
                  "baseline.", ""]
    return lines + [_md_table(table[_DATED_COLS]), ""]


def markdown(report: dict, meta: dict) -> str:
    """The report as Markdown (``docs/calibration-report.md``)."""
    obs, par, good = report["observations"], report["parameters"], report["goodness"]
    done = obs[obs["obs_id"].isin(DONE_WHEN)]
    fitted = obs[obs["use"] != "report"]
    moved = par[par["calibrated"] != par["prior"]]
    dims = moved.groupby("dimension", sort=False).agg(
        numbers=("key", "size"), move_range_units=("move_range_units", "first")).reset_index()
    dims = dims.reindex(dims["move_range_units"].abs().sort_values(ascending=False).index)
    lines = [
        f"# Calibration report (fit {meta['fit_id']})", "",
        (f"Method: {meta['method']}. {meta['evaluations']:,} evaluations, {meta['solves']:,} "
         f"warm LP solves; {meta['dimensions']} dimensions ({meta['numbers']} numbers) "
         f"calibrated, {len(moved)} moved. Before = the prior dataset, after = the calibrated "
         "dataset, each solved from scratch for the representative day of every month and "
         "compared over each observation's months."), "",
        "## Goodness of fit", "", _md_table(good), "",
        "## The gates of issue 18's done-when", "",
        _md_table(done[["obs_id", "unit", "target", "low", "high", "model_before",
                        "model_after", "within_after"]]), "",
        *[f"- {line}" for line in meta.get("findings", [])], "",
        *dated_section(report.get("dated_check"), meta.get("dated_check")),
        "## Observations fitted (`fit`) and bounded (`upper`)", "",
        _md_table(fitted[_OBS_COLS]), "",
        "## Observations reported only", "",
        _md_table(obs[obs["use"] == "report"][["obs_id", "unit", "period", "observed", "low",
                                                "high", "model_before", "model_after",
                                                "reason"]]), "",
        "## Parameter moves by dimension (range units: -1 low end, 0 prior, +1 high end)", "",
        _md_table(dims), "",
        "## Every calibrated number that moved", "",
        _md_table(moved[_PAR_COLS]), ""]
    return "\n".join(lines)


_HTML = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;
font-size:0.85em;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}</style></head><body>
<h1>{{ title }}</h1><p>{{ method }}</p>
{% for heading, table in sections %}<h2>{{ heading }}</h2>{{ table | safe }}{% endfor %}
</body></html>
""")


def html(report: dict, meta: dict) -> str:
    """The report as one self-contained HTML page."""
    obs, par = report["observations"], report["parameters"]
    sections = [
        ("Goodness of fit", _display(report["goodness"]).to_html(index=False)),
        ("The gates of issue 18's done-when", _display(obs[obs["obs_id"].isin(DONE_WHEN)][
            _OBS_COLS]).to_html(index=False)),
        *([("Dated-baseline check (flag: in band statically, out of band dated)",
            "".join(f"<p><strong>WARNING: {escape(line)}</strong></p>"
                    for line in meta.get("dated_check", {}).get("flags", []))
            + _display(report["dated_check"][_DATED_COLS]).to_html(index=False))]
          if "dated_check" in report else []),
        ("Observations", _display(obs[_OBS_COLS + ["reason"]]).to_html(index=False)),
        ("Calibrated numbers that moved", _display(par[par["calibrated"] != par["prior"]][
            _PAR_COLS]).to_html(index=False))]
    return _HTML.render(title=f"Calibration report (fit {meta['fit_id']})",
                        method=meta["method"], sections=sections)


def calibration_report(targets: Targets, before: np.ndarray, after: np.ndarray,
                       parameters: pd.DataFrame, z: np.ndarray,
                       prior_weight: float) -> dict[str, pd.DataFrame]:
    """The report's tables: ``observations``, ``parameters``, ``goodness``."""
    return {"observations": observation_table(targets, before, after),
            "parameters": parameters,
            "goodness": goodness_table(targets, before, after, z, prior_weight)}
