"""``python -m borderflow.cli``: the command line."""

import sys

from .commands import app

sys.exit(app())
