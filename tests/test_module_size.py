"""Small modules with one job: a Python file over 500 lines must say why in its docstring.

The project's rule (issue 16): a module longer than 500 lines is split when it does two jobs,
or its module docstring states the reason, as "(Over 500 lines: ...)" or "(About 600 lines:
...)". This test reads every ``.py`` file of the package folders, the tests and the tools.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("borderflow", "model", "solvers", "data", "tests", "tools")
LIMIT = 500
REASON = re.compile(r"\((over|about) [\d,]+ lines", re.IGNORECASE)


def _long_modules() -> list[Path]:
    files = sorted(f for folder in FOLDERS for f in (ROOT / folder).rglob("*.py"))
    return [f for f in files if len(f.read_text(encoding="utf-8").splitlines()) > LIMIT]


def test_every_module_over_500_lines_says_why_in_its_docstring():
    silent = [str(f.relative_to(ROOT)) for f in _long_modules()
              if not REASON.search(ast.get_docstring(ast.parse(f.read_text(encoding="utf-8")))
                                   or "")]
    assert not silent, f"over {LIMIT} lines with no reason in the docstring: {silent}"


def test_the_rule_sees_a_long_module_and_its_reason():
    """The pattern matches the forms in use and not a docstring that merely mentions lines."""
    assert REASON.search("(Over 500 lines: a catalogue.)")
    assert REASON.search("(About 600 lines: one class)")
    assert not REASON.search("reads the first 100 lines of the file")
