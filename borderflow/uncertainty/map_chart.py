"""The headline tornado chart of an uncertainty folder, embedded in a run's HTML map.

``borderflow map RUN --html MAP --uncertainty FOLDER`` (``Result.map(html=..., uncertainty=
FOLDER)``) reads ``FOLDER`` (written by ``borderflow uncertainty`` with a sensitivity method)
and puts its headline tornado chart (``tornado_cost_increase_usd.png`` for a disruption, else
``tornado_cost_usd.png``) in the map as a base64 PNG (the file stays self-contained and opens
offline): in the click popup of each crossing that the uncertainty run's scenario closes, or,
if it closes none drawn on the map, in the legend panel. The caption names the scenario and the
samples, so a chart is never read as belonging to another run.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path

from borderflow.data.errors import InputError, Problem, display_path
from borderflow.data.scenario import CloseEvent, Scenario

from .result import METADATA

#: headline numbers, the first whose chart exists is shown
HEADLINES = (("cost_increase_usd", "what the disruption costs"), ("cost_usd", "net cost"))


@dataclass(frozen=True)
class HeadlineChart:
    """A tornado chart to embed: PNG bytes and what it is about."""

    png: bytes
    target: str
    words: str
    scenario: str
    closed: tuple[str, ...]
    samples: int

    def html(self, width_px: int = 300) -> str:
        """The chart as an ``<img>`` (base64 PNG) with its caption."""
        uri = "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")
        return (f"<div class='bf-tornado'><div><b>Which inputs drive "
                f"{html.escape(self.words)}</b> (scenario {html.escape(self.scenario)}, "
                f"{self.samples:,} samples)</div><img alt='tornado chart: "
                f"{html.escape(self.target)}' src='{uri}' style='width:{width_px}px'></div>")


def headline_chart(folder: Path | str, option: str = "--uncertainty") -> HeadlineChart:
    """Read the headline tornado chart of an uncertainty folder.

    Parameters
    ----------
    folder : path
        A folder written by ``borderflow uncertainty`` (marked kind ``uncertainty``).
    option : str
        The option named in errors.

    Returns
    -------
    HeadlineChart

    Raises
    ------
    InputError
        Not an uncertainty folder, or one without a tornado chart (``--sensitivity none``).
    """
    from borderflow.runfolder import read_marker

    folder = Path(folder)
    marker = read_marker(folder) if folder.is_dir() else None
    if marker is None or marker["kind"] != "uncertainty" or not marker.get("complete"):
        what = f"a borderflow {marker['kind']} folder" if marker and marker["kind"] != \
            "uncertainty" else "not a finished folder of borderflow uncertainty"
        raise InputError(Problem(display_path(folder), None, option, f"is {what}: give the "
                                 "--out folder of a finished borderflow uncertainty run"))
    found = next(((t, w) for t, w in HEADLINES if (folder / f"tornado_{t}.png").is_file()),
                 None)
    if found is None:
        raise InputError(Problem(display_path(folder), None, option, "holds no tornado chart "
                                 "(run borderflow uncertainty with --sensitivity morris, oat "
                                 "or sobol)"))
    target, words = found
    png = folder / f"tornado_{target}.png"
    meta = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    scenario = Scenario.model_validate(meta["scenario"])
    closed = tuple(sorted({e.crossing for e in scenario.events if isinstance(e, CloseEvent)
                           and not e.context}))
    return HeadlineChart(png.read_bytes(), target, words, scenario.name, closed,
                         int(meta["samples"]))
