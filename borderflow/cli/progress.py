"""What the command line shows while it works, and how loud it is.

- **Verbosity** (:data:`LEVEL`, set by ``borderflow -v`` / ``-q``): ``-q`` prints errors only
  (no progress, tables or warnings; ``--json`` still prints its envelope, which was asked for),
  the default shows a live progress display on an interactive terminal, ``-v`` also logs every
  stage with its time to stderr.
- :class:`Progress` is the ``on_progress(stage, done, total, message)`` callback of the public
  API (:data:`borderflow.api.STAGES`) and of the GIS export, report and robust plan: one line
  on stderr with the stage in words, ``k of n`` and a bar with an estimate of the time left
  where the stage has steps (rolling windows, scenarios exported), the time spent, and while
  HiGHS runs its algorithm, iteration, objective and time, read from HiGHS's own log and
  iteration callbacks (:func:`borderflow.solvers.highs.listening`). The display is transient:
  what stays on the screen is the command's result.

Nothing here computes anything; it only reports.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import ExitStack
from typing import Self

from rich.progress import BarColumn
from rich.text import Text

from .display import err_console, set_quiet

log = logging.getLogger("borderflow")

QUIET, NORMAL, VERBOSE = -1, 0, 1
#: the verbosity of this process (``borderflow -q`` / ``-v``)
LEVEL = NORMAL

#: stage -> what it does, in words (API stages and the CLI's own)
STAGE_WORDS = {
    "load": "loading the dataset", "routes": "enumerating routes", "model": "building the model",
    "solve": "solving", "pricing": "pricing routes (column generation)",
    "results": "extracting results",
    "baseline": "re-solving without the disruptions", "compare": "comparing with the baseline",
    "verify": "checking the solution", "write": "writing", "read": "reading the run",
    "layers": "building GIS layers", "export": "exporting", "map": "drawing the map",
    "report": "writing the report", "plan": "robust plan",
    "respond": "choosing responses (MIP)",
}

#: an iteration line of HiGHS's simplex (``  7797  -1.6e+03 Pr: 1464(110542) 5.2s``) or of
#: its interior point solver IPX (``   4  -1.23e+03  -2.35e+03  1.35e-03 ... 0.1``)
_ITER_LINE = re.compile(r"^\s*(\d+)\s+([-+]?\d[\d.]*(?:e[-+]?\d+)?)\s.*?\s([\d.]+)s?\s*$")
_ALGORITHM = re.compile(r"Using ([\w -]+?) solver|(Interior point) solve|(Crossover)",
                        re.IGNORECASE)


def set_level(verbose: bool, quiet: bool) -> None:
    """Set :data:`LEVEL` and logging from ``-v`` / ``-q`` (``-q`` wins)."""
    global LEVEL
    LEVEL = QUIET if quiet else VERBOSE if verbose else NORMAL
    set_quiet(LEVEL == QUIET)
    logger = logging.getLogger("borderflow")
    logger.handlers.clear()
    logger.propagate = False
    if LEVEL == VERBOSE:
        from rich.logging import RichHandler

        handler = RichHandler(console=err_console, show_path=False, show_time=False,
                              markup=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    else:
        logger.addHandler(logging.StreamHandler())  # warnings and errors only
        logger.setLevel(logging.WARNING if LEVEL == NORMAL else logging.ERROR)


def quiet() -> bool:
    """True with ``-q``: print errors only."""
    return LEVEL == QUIET


class SolverStatus:
    """HiGHS's progress while it runs: algorithm, iterations, objective, time (from its log
    lines and iteration callbacks)."""

    def __init__(self) -> None:
        self.algorithm = ""
        self.iterations: int | None = None
        self.objective: float | None = None
        self.seconds: float | None = None

    def feed(self, line: str | None, iterations: int | None) -> None:
        """One event of :func:`borderflow.solvers.highs.listening`."""
        if iterations is not None and iterations >= 0:
            self.iterations = int(iterations)
        if not line:
            return
        m = _ALGORITHM.search(line)
        if m:
            self.algorithm = next(g for g in m.groups() if g).strip().lower()
        m = _ITER_LINE.match(line)
        if m:
            self.iterations = max(self.iterations or 0, int(m.group(1)))
            self.objective = float(m.group(2))
            self.seconds = float(m.group(3))

    def text(self) -> str:
        """``"dual simplex · iteration 1,012 · objective -35,356,185 · 0.5 s"``."""
        parts = [f"HiGHS {self.algorithm}".rstrip()]
        if self.iterations is not None:
            parts.append(f"iteration {self.iterations:,}")
        if self.objective is not None:
            parts.append(f"objective {self.objective:,.0f}")
        if self.seconds is not None:
            parts.append(f"{self.seconds:.1f} s")
        return " · ".join(parts)


class Progress:
    """The ``on_progress(stage, done, total, message)`` callback of a command.

    Use as a context manager around the work: it starts the live display (interactive
    terminal, default verbosity), listens to HiGHS, and on exit stops the display and logs the
    last stage's time (``-v``).

    Parameters
    ----------
    command : str
        The command, for the log (``"solve"``).
    show : bool
        Show the live display (default: unless ``-q``; it is drawn only on a terminal).
    """

    def __init__(self, command: str, show: bool = True) -> None:
        self.command = command
        self.show = show and LEVEL != QUIET and err_console.is_terminal
        self.stage: str | None = None
        self.message = ""
        self.t_stage = self.t0 = time.perf_counter()
        self.solver = SolverStatus()
        self.steps: tuple[float, float] | None = None
        self._bar = None
        self._task = None
        self._task_stage: tuple | None = None
        self._stack = ExitStack()

    # ---- context
    def __enter__(self) -> Self:
        from borderflow.solvers.listeners import listening

        if self.show:
            from rich.progress import Progress as Bar
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Bar(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                            StepBar(bar_width=20), TextColumn("{task.fields[steps]}"),
                            TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                            console=err_console, transient=True, refresh_per_second=4)
            self._task = self._bar.add_task(self.command, total=None, steps="", detail="")
            self._stack.enter_context(self._bar)
        self._stack.enter_context(listening(self._solver_event))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._end_stage()
        if exc_type is None:
            log.info("%s: done in %s", self.command, _seconds(time.perf_counter() - self.t0))
        self._stack.close()

    def close(self) -> None:
        """Stop the live display now (another display takes over); HiGHS is still heard."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    # ---- the callback
    def __call__(self, stage: str, done=None, total=None, message: str = "") -> None:
        """Report ``stage`` (``done`` of ``total`` steps where it has steps)."""
        if stage != self.stage:
            self._end_stage()
            self.stage, self.t_stage = stage, time.perf_counter()
            self.solver = SolverStatus()
            self.steps = None
        self.message = message or STAGE_WORDS.get(stage, stage)
        if total:
            if self.steps is None:
                self.t_stage = time.perf_counter()
            self.steps = (float(done or 0), float(total))
            log.info("%s: %s", stage, self.message)
        self._refresh()

    def _solver_event(self, line: str | None, iterations: int | None) -> None:
        self.solver.feed(line, iterations)
        if self._bar is not None:
            self._refresh()

    def _end_stage(self) -> None:
        if self.stage is None:
            return
        took = _seconds(time.perf_counter() - self.t_stage)
        solver = f"; {self.solver.text()}" if self.solver.iterations is not None else ""
        if self.steps is None:
            log.info("%s: %s (%s%s)", self.stage, self.message, took, solver)
        else:
            log.info("%s: %d steps in %s%s", self.stage, int(self.steps[1]), took, solver)

    def eta(self) -> str:
        """``"about 1 min 20 s left"`` once a step of a stepped stage is done, else ``""``."""
        if self.steps is None or self.steps[0] <= 0:
            return ""
        done, total = self.steps
        left = (time.perf_counter() - self.t_stage) / done * (total - done)
        return f"about {_seconds(left)} left"

    def _refresh(self) -> None:
        if self._bar is None:
            return
        words = STAGE_WORDS.get(self.stage or "", self.stage or "")
        desc = self.message if self.message.startswith(words.split()[0]) else \
            f"{words}: {self.message}" if self.message != words else words
        detail = self.solver.text() if self.stage in ("solve", "baseline", "plan") and \
            self.solver.iterations is not None else ""
        total = self.steps[1] if self.steps is not None else None
        if self._task_stage != (self.stage, total):  # a new task per stage: its own clock
            self._bar.remove_task(self._task)
            self._task = self._bar.add_task(desc, total=total, steps="", detail="")
            self._task_stage = (self.stage, total)
        if self.steps is not None:
            done = self.steps[0]
            self._bar.update(self._task, description=desc, completed=done,
                             steps=" · ".join(p for p in (f"{int(done)} of {int(total)} done",
                                                          self.eta()) if p), detail=detail)
        else:
            self._bar.update(self._task, description=desc, steps="", detail=detail)


class StepBar(BarColumn):
    """A bar drawn only for stages with steps (nothing, rather than a pulse, otherwise)."""

    def render(self, task) -> Text:
        """The bar, or an empty text for a stage without steps."""
        return Text("") if task.total is None else super().render(task)


def _seconds(s: float) -> str:
    """``"4.2 s"``, ``"2 min 05 s"``."""
    if s < 60:
        return f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    return f"{m} min {sec:02d} s"
