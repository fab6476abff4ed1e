"""The ``borderflow`` command line (typer): :mod:`~borderflow.cli.commands` registers each group
of commands (they parse and call the public API), :mod:`~borderflow.cli.display` prints what came
back; :mod:`~borderflow.cli.uncertainty_cmds` adds ``uncertainty``, ``appraise`` and ``respond``
(after the others: the order ``--help`` lists them)."""

from .commands import app, data_app
from . import uncertainty_cmds  # noqa: F401,E402  (registers its commands on app)

__all__ = ["app", "data_app"]
