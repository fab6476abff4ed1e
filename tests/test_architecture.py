"""docs/architecture.md is the map a newcomer reads: it must match the tree.

Every path it names exists; every module of the package folders is named (a top-level module
by its path, a sub-package's module by its stem on a line naming the sub-package); every
``define_*`` of the model, every result table of a run or sweep folder and every command of the
command line is named, the command with its module and function on the same table row.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("borderflow", "model", "solvers", "data")
#: backticked tokens that are repository paths (a folder or a file with a suffix)
PATH = re.compile(r"`((?:borderflow|model|solvers|data|tests|tools|docs|notebooks)/[\w./-]*)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
DEFINE = re.compile(r"^\s*def (define_\w+)\(", re.MULTILINE)


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def missing_paths(text: str) -> list[str]:
    """Paths and links of ``text`` that do not exist (links relative to docs/)."""
    paths = [p for p in PATH.findall(text) if not (ROOT / p).exists()]
    links = [link for link in LINK.findall(text) if "://" not in link
             and not (DOC.parent / link).exists()]
    return paths + links


def unnamed_modules(text: str, modules: list[Path]) -> list[str]:
    """Modules of ``modules`` (relative paths) that ``text`` does not name."""
    lines = text.splitlines()
    out = []
    for rel in modules:
        path = rel.as_posix()
        if f"`{path}`" in text:
            continue
        folder = f"`{rel.parent.as_posix()}/`"
        if len(rel.parts) > 2 and any(folder in line and f"`{rel.stem}`" in line
                                      for line in lines):
            continue
        out.append(path)
    return out


def _modules() -> list[Path]:
    return sorted(f.relative_to(ROOT) for folder in PACKAGES for f in (ROOT / folder).rglob("*.py")
                  if f.name != "__init__.py")


def test_every_path_and_link_exists():
    assert not missing_paths(_doc())


def test_every_module_is_on_the_map():
    assert not unnamed_modules(_doc(), _modules())


def test_every_define_function_is_named():
    text = _doc()
    defined = {name for folder in ("model", "borderflow") for f in (ROOT / folder).rglob("*.py")
               for name in DEFINE.findall(f.read_text(encoding="utf-8"))}
    assert defined, "no define_* found: the pattern is wrong"
    assert not sorted(name for name in defined if f"`{name}`" not in text)


def test_every_result_table_is_named():
    from borderflow.compare import COMPARISON_TABLES
    from borderflow.model.results import ResultTables
    from borderflow.sweeps.analysis import TABLES as SWEEP_TABLES
    from borderflow.verify import REPORT_TABLE

    text = _doc()
    tables = (*ResultTables.TABLES, *ResultTables.OPTIONAL_TABLES, *COMPARISON_TABLES,
              REPORT_TABLE, *SWEEP_TABLES)
    assert not [t for t in tables if f"`{t}`" not in text]


def _commands() -> list[tuple[str, str, str]]:
    """(command as typed, module path, function) of every command of ``borderflow``."""
    from borderflow.cli import app
    from borderflow.cli.common import data_app

    found = [(c.name or c.callback.__name__, c.callback) for c in app.registered_commands]
    found += [(f"data {c.name}", c.callback) for c in data_app.registered_commands]
    return [(name, "borderflow/" + "/".join(f.__module__.split(".")[1:]) + ".py", f.__name__)
            for name, f in found]


def unmapped_commands(text: str, commands: list[tuple[str, str, str]]) -> list[str]:
    """Commands with no table row naming the command, its module and its function."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [name for name, module, function in commands
            if not any(f"`{name}`" in row and f"`{module}`" in row and function in row
                       for row in rows)]


def test_every_command_is_mapped_to_its_module_and_function():
    commands = _commands()
    assert len(commands) >= 17 and ("data map", "borderflow/cli/data_commands.py",
                                    "data_map") in commands
    assert not unmapped_commands(_doc(), commands)


def test_the_checks_see_what_is_missing():
    """Each check flags a map that lacks or misnames something (the checks can fail)."""
    assert missing_paths("`model/no_such_module.py` and [x](no-such.md)") == [
        "model/no_such_module.py", "no-such.md"]
    assert not missing_paths("`model/routes.py` and [api](api.md#solving)")
    modules = [Path("model/routes.py"), Path("borderflow/sweeps/nk.py")]
    assert unnamed_modules("`model/routes.py`; `nk` of the sweeps", modules) == [
        "borderflow/sweeps/nk.py"]
    assert not unnamed_modules("`model/routes.py`\n`borderflow/sweeps/`: `nk`", modules)
    solve = [("solve", "borderflow/cli/run_commands.py", "solve")]
    assert unmapped_commands("| `solve` | `borderflow/cli/other.py` solve |", solve) == ["solve"]
    assert not unmapped_commands("| `solve` | `borderflow/cli/run_commands.py` `solve` |", solve)


# ---- the public API is the one path (docs/api.md) -------------------------------------------
def private_imports(source: str, package: str | None = None) -> list[str]:
    """``module.name`` of every private name (``_x``) ``source`` imports from borderflow;
    relative imports inside ``package`` (its own shared helpers) are allowed."""
    import ast

    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        inside = node.level > 0 and package is not None
        if inside or not (node.module or "").startswith("borderflow"):
            continue
        out += [f"{node.module}.{a.name}" for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")]
    return out


def test_commands_app_and_tools_import_no_private_name():
    """The command line, the workbench and the tools use public names only (the command
    modules share ``borderflow/cli/common.py``'s helpers by relative import)."""
    files = [*(ROOT / "borderflow" / "cli").glob("*.py"), *(ROOT / "borderflow" / "app").glob(
        "*.py"), *(ROOT / "tools").rglob("*.py")]
    found = {f.relative_to(ROOT).as_posix(): private_imports(f.read_text(encoding="utf-8"),
                                                             f.parent.name)
             for f in files}
    assert not {f: names for f, names in found.items() if names}


def test_notebooks_use_the_documented_api_only():
    """Every notebook imports borderflow as ``bf`` and uses names of ``bf.__all__`` that
    docs/api.md documents, no module below it."""
    import json

    import borderflow as bf

    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert not [n for n in bf.__all__ if n not in api], "a public name is not in docs/api.md"
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text("utf-8"))["cells"]
                         if c["cell_type"] == "code")
        assert not re.findall(r"^\s*(?:from|import) borderflow\.", code, re.MULTILINE), nb.name
        assert not private_imports(code), nb.name
        assert set(re.findall(r"\bbf\.(\w+)", code)) <= set(bf.__all__), nb.name




def whole_run_calls(source: str) -> list[str]:
    """The pipeline's whole-run stages ``source`` calls: ``run_scenario`` (load -> network ->
    model -> solve -> results) and ``solve_baseline`` (the warm baseline re-solve)."""
    import ast

    names = {"run_scenario", "solve_baseline"}
    return [n.func.id if isinstance(n.func, ast.Name) else n.func.attr
            for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
            and (getattr(n.func, "id", None) in names or getattr(n.func, "attr", None) in names)]


def test_the_workflow_is_spelled_once():
    """Only ``bf.solve`` strings the stages of a run together: every other module that solves
    a scenario and its baseline (responses' re-solve, the reopening policy runs, the rebuilt
    uncertainty samples, the robust plan's baseline plan) calls the public API, or keeps a model
    through ``pipeline.prepare``."""
    found = {f.relative_to(ROOT).as_posix()
             for package in PACKAGES for f in (ROOT / package).rglob("*.py")
             if whole_run_calls(f.read_text(encoding="utf-8"))}
    assert found <= {"borderflow/api.py", "borderflow/pipeline.py"}, found
    assert whole_run_calls("run = run_scenario(t, s, o)") == ["run_scenario"]
    assert whole_run_calls("_, b = pipeline.solve_baseline(run)") == ["solve_baseline"]
    assert not whole_run_calls('"""run_scenario() in words"""')


def test_the_private_import_check_sees_one():
    assert private_imports("from borderflow.appraisal.run import _closure_events, appraise") == [
        "borderflow.appraisal.run._closure_events"]
    assert not private_imports("from .common import _load", "cli")
    assert not private_imports("from os import _exit")
