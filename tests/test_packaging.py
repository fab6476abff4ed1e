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


def _folder(name: str, dirs: dict[str, str]) -> Path:
    """The folder a dotted package name maps to through ``package-dir``."""
    root = max((r for r in dirs if name == r or name.startswith(r + ".")), key=len)
    return ROOT / dirs[root] / Path(*name[len(root):].split(".")[1:])


def test_every_package_folder_is_in_the_distribution():
    """Each folder with an ``__init__.py`` under the four package roots is listed; every other
    listed package is a folder of data files with its own ``package-data`` patterns."""
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
    for name in sorted(listed - found):
        folder = _folder(name, dirs)
        assert folder.is_dir(), f"listed package without a folder: {name}"
        assert not list(folder.glob("*.py")), f"{name} holds code but has no __init__.py"
        assert name in config["package-data"], f"data folder {name} ships no files"


def _shipped(path: Path, config: dict) -> bool:
    """Whether a file matches a ``package-data`` pattern of the package of its folder."""
    dirs = config["package-dir"]
    for name, patterns in config["package-data"].items():
        if name in config["packages"] and _folder(name, dirs) == path.parent:
            return any(path.match(p) for p in patterns)
    return False


def test_the_data_files_the_loaders_read_are_package_data():
    """Every file of the embedded dataset, its uncalibrated overlay, scenarios, basemap, map
    assets, report templates and app pages matches a package-data pattern of its folder's
    package, so a wheel ships it."""
    config = _config()
    folders = [ROOT / "data" / sub for sub in ("default", "uncalibrated", "scenarios",
                                               "basemap")]
    folders += [ROOT / "data", ROOT / "borderflow" / "assets",
                ROOT / "borderflow" / "assets" / "leaflet",
                ROOT / "borderflow" / "assets" / "leaflet" / "images",
                ROOT / "borderflow" / "present" / "templates",
                ROOT / "borderflow" / "app" / "static"]
    for folder in folders:
        for f in folder.iterdir():
            if f.is_file() and not f.name.startswith(".") and f.suffix != ".py":
                assert _shipped(f, config), f"{f.relative_to(ROOT)} is not shipped"


def test_the_uncalibrated_overlay_gives_back_every_prior_row():
    """``bf.uncalibrated_data_dir()`` is the shipped overlay beside the (calibrated) embedded
    dataset: it has rows, and loaded over the embedded dataset each of its rows replaces the
    calibrated row of the same key, so no loaded row of the overlaid tables says it is
    calibrated any more, while the embedded dataset alone has a calibrated row in each of
    those tables (docs/notes/calibration-log.md, "Session 15: the switch")."""
    import borderflow as bf
    from borderflow.data.loaders import default_data_dir

    overlay = bf.uncalibrated_data_dir()
    files = sorted(p.name for p in overlay.glob("*.csv"))
    assert overlay.parent == default_data_dir().parent
    assert files, "no uncalibrated overlay shipped"
    calibrated = bf.load_dataset(check_borders=False)
    prior = bf.load_dataset(overlays=[overlay], check_borders=False)
    for name in files:
        table = name.removesuffix(".csv")
        says = getattr(calibrated, table)["notes"].fillna("").str.startswith("calibrated (fit")
        assert says.any(), table
        back = getattr(prior, table)["notes"].fillna("").str.startswith("calibrated (fit")
        assert not back.any(), (table, getattr(prior, table)[back].iloc[0].to_dict())
        assert len(getattr(prior, table)) == len(getattr(calibrated, table)), table
