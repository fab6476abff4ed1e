"""Tornado chart (matplotlib PNG): how far each input moves one headline number.

One bar per dimension, from the output at the input's low to the output at its high, around a
vertical line at the point value; the largest swings on top. Written with fixed metadata so the
same table gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .format import quote


def tornado_png(table: pd.DataFrame, path: Path | str, *, title: str, unit: str,
                top: int = 12) -> Path:
    """Draw a tornado chart from :func:`borderflow.uncertainty.sensitivity.tornado_table`.

    Parameters
    ----------
    table : DataFrame
        ``dimension, point, at_low, at_high, swing`` (largest first).
    path : path
        PNG to write.
    title : str
        The headline number, e.g. "Cost of closing Boten–Mohan".
    unit : str
        Its unit (axis label and bar labels).
    top : int
        Bars drawn (the rest are summed up in the caption).

    Returns
    -------
    Path
    """
    path = Path(path)
    t = table.head(top).iloc[::-1]
    point = float(table["point"].iloc[0]) if len(table) else 0.0
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(t), 1) + 1.6), dpi=110)
    y = range(len(t))
    for yi, (lo, hi) in zip(y, zip(t["at_low"], t["at_high"])):
        ax.barh(yi, lo - point, left=point, color="#4c72b0", height=0.6)
        ax.barh(yi, hi - point, left=point, color="#dd8452", height=0.6)
        for x in (lo, hi):
            ax.text(x, yi, f" {quote(x, unit)} ", va="center", fontsize=7,
                    ha="left" if x >= point else "right")
    ax.axvline(point, color="black", linewidth=0.8)
    # a few ticks, each quoted as the bar labels are (no overlapping long numbers), and room
    # either side for the bar labels written beyond the bars' ends
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: quote(x, unit)))
    ax.tick_params(axis="x", labelsize=8)
    ends = [point, *t["at_low"], *t["at_high"]]
    lo, hi = min(ends), max(ends)
    pad = 0.25 * (hi - lo) if hi > lo else max(abs(point) * 0.05, 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_yticks(list(y), [str(d) for d in t["dimension"]], fontsize=8)
    ax.set_xlabel(f"{title} ({unit}); blue: input at its low, orange: at its high")
    ax.set_title(f"{title}: point {quote(point, unit)} {unit}", fontsize=10)
    rest = len(table) - len(t)
    if rest > 0:
        fig.text(0.01, 0.01, f"{rest} more input(s) with smaller swings not shown", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
    return path
