"""Command line: ``borderflow solve | reroute | robust | reopening | sweep | verify | export | map |
report | data | app | calibrate | uncertainty | appraise | respond``, one module per group of
commands:

- :mod:`borderflow.cli.run_commands`: ``solve``, ``reroute``, ``robust`` (commands that solve);
- :mod:`borderflow.cli.reopening_cmd`: ``reopening`` (an uncertain reopening's stochastic plan);
- :mod:`borderflow.cli.sweep_commands`: ``sweep``;
- :mod:`borderflow.cli.data_commands`: ``data check``, ``data list``, ``data map``;
- :mod:`borderflow.cli.output_commands`: ``verify``, ``export``, ``map``, ``report`` (commands
  that read a run folder);
- :mod:`borderflow.cli.app_command`: ``app``; :mod:`borderflow.cli.calibrate`: ``calibrate``;
- :mod:`borderflow.cli.uncertainty_cmds`: ``uncertainty``, ``appraise``, ``respond``;
- :mod:`borderflow.cli.common`: the apps, the shared options and steps.

Each command parses its options, calls the public API (:mod:`borderflow.api`,
:func:`borderflow.sweep`, :func:`borderflow.robust_plan`, :mod:`borderflow.gis`) and prints
what it returned (:mod:`borderflow.cli.display`, tables built by :mod:`borderflow.present.views`)
or, with ``--json``, one envelope (:mod:`borderflow.cli.outputs`). Long work shows its progress
(:mod:`borderflow.cli.progress`). Exit codes: 0 success; 2 bad input (file, row and field
named, nothing written); 3 solver error; 4 infeasible; 5 unbounded; 6 time or iteration limit;
7 numerical trouble; 8 verification failed (``verify``; ``solve`` and ``reroute`` verify every
solution, write it with ``verified: false`` and ``verification.csv`` naming each violation, and
exit 8); 130 stopped by Ctrl-C (one line, nothing written;
:class:`~borderflow.cli.typer_app.Command`).

Only typer and rich are imported by these modules: the model, pandas and the GIS stack are
imported by the command that needs them, so ``borderflow --help`` starts fast.
"""

from __future__ import annotations

# Importing a group's module registers its commands on the app, in the order
# ``borderflow --help`` lists them.
from . import calibrate as _calibrate_module
from . import run_commands  # noqa: F401  (solve, reroute, robust)
from . import reopening_cmd  # noqa: F401  (reopening)
from . import sweep_commands  # noqa: F401  (sweep)
from . import data_commands  # noqa: F401  (data check, data list, data map)
from . import output_commands  # noqa: F401  (verify, export, map, report)
from . import app_command  # noqa: F401  (app)
from .common import app, data_app

app.command("calibrate")(_calibrate_module.calibrate_cmd)

__all__ = ["app", "data_app"]
