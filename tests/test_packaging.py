"""The distribution ships every package and data file the code needs: a wheel install (not only
``pip install -e``) works. Once, ``borderflow.verify`` was left out of ``[tool.setuptools]
packages`` and every command of a non-editable install failed on ``import borderflow.verify``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]


def test_every_package_folder_is_in_the_distribution():
    """Each folder with an ``__init__.py`` under the four package roots is listed."""
    config = _config()
    listed = set(config["packages"])
    dirs = config["package-dir"]
    roots = {name: ROOT / folder for name, folder in dirs.items()}
    found = set()
    for name, folder in roots.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            dotted = ".".join((name, *rel.parts)) if rel.parts else name
            found.add(dotted)
    assert found - listed == set(), f"packages missing from pyproject.toml: {found - listed}"
    assert listed - found == set(), f"listed packages without a folder: {listed - found}"


def test_the_data_files_the_loaders_read_are_package_data():
    """Every file of the embedded dataset and scenarios matches a package-data pattern."""
    patterns = _config()["package-data"]["borderflow.data"]
    data = ROOT / "data"
    for sub in ("default", "scenarios", "basemap"):
        for f in (data / sub).iterdir():
            if f.is_file() and not f.name.startswith("."):
                rel = f.relative_to(data).as_posix()
                assert any(Path(rel).match(p) for p in patterns), f"{rel} is not shipped"
