"""Where the app may read and write: only inside its runs folder, never through a symlink.

Every path the page sends is a relative name like ``no-boten`` or ``n1/scenarios/scenario=x``;
:func:`inside` turns it into a path under the runs folder or refuses it with :class:`Refused`
(absolute paths, ``..``, hidden or odd components, symlinks anywhere on the way).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: one path component: what a scenario name may be (data/scenario.py) plus '=' (sweep partitions)
COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=-]{0,99}$")
#: file names the app serves from a run folder
FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(csv|parquet|json|yaml|gpkg|png|zip)$")
MAX_DEPTH = 4


class Refused(ValueError):
    """A path the app will not touch; the message says why (shown to the user)."""


def components(rel: str) -> list[str]:
    """The components of a relative path the page sent, each checked.

    Raises
    ------
    Refused
        Empty, absolute (``/x``, ``\\x``, ``C:``), a ``..`` or ``.`` component, a hidden
        component, a character outside letters, digits, ``._=-``, or deeper than
        :data:`MAX_DEPTH`.
    """
    if not rel or "\x00" in rel:
        raise Refused("empty path")
    if rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel) or "\\" in rel:
        raise Refused(f"'{rel}': absolute paths are refused; name a folder inside the runs "
                      "folder")
    parts = rel.strip("/").split("/")
    if len(parts) > MAX_DEPTH:
        raise Refused(f"'{rel}': too deep")
    for part in parts:
        if part in ("", ".", ".."):
            raise Refused(f"'{rel}': '..' and empty components are refused")
        if not COMPONENT.match(part) or ".." in part:
            raise Refused(f"'{rel}': '{part}' must be letters, digits, '.', '_', '=' or '-'")
    return parts


def inside(root: Path, rel: str, must_exist: bool = True) -> Path:
    """The path ``rel`` under the runs folder ``root``, refusing symlinks on the way.

    Parameters
    ----------
    root : Path
        The runs folder (already resolved).
    rel : str
        Relative path from the page.
    must_exist : bool
        Refuse a path that does not exist.

    Returns
    -------
    Path

    Raises
    ------
    Refused
    """
    path = root
    for part in components(rel):
        path = path / part
        if os.path.islink(path):
            raise Refused(f"'{rel}': symbolic links are refused")
        if not path.exists():
            if must_exist:
                raise Refused(f"'{rel}': no such run or folder")
            continue
    real = Path(os.path.realpath(path))
    if real != root and root not in real.parents:
        raise Refused(f"'{rel}': outside the runs folder")
    return path


def file_in(folder: Path, name: str) -> Path:
    """A file of a run folder the app may serve (name checked, no symlink, must exist)."""
    if not FILE.match(name) or ".." in name:
        raise Refused(f"'{name}': not a file the app serves")
    path = folder / name
    if os.path.islink(path):
        raise Refused(f"'{name}': symbolic links are refused")
    if not path.is_file():
        raise Refused(f"'{name}': no such file")
    return path


def free_name(root: Path, name: str, taken=()) -> str:
    """``name``, or ``name-2``, ``name-3`` ... : the first that names no folder under ``root``
    and is not in ``taken`` (runs queued but not written yet). The app never overwrites a
    folder (:func:`reserve` creates the one it will write)."""
    candidate, k = name, 1
    while (root / candidate).exists() or os.path.islink(root / candidate) or candidate in taken:
        k += 1
        candidate = f"{name[:95]}-{k}"
    return candidate


def reserve(root: Path, name: str, taken=()) -> str:
    """Reserve a run folder: create ``root/<free name>`` (:func:`free_name`) as an empty
    folder, atomically (``mkdir`` fails if another program took the name first; the next free
    name is tried). The run is then written there, into a folder the app created.

    Returns
    -------
    str
        The name reserved.
    """
    taken = set(taken)
    while True:
        candidate = free_name(root, name, taken)
        try:
            os.mkdir(root / candidate)
            return candidate
        except FileExistsError:
            taken.add(candidate)


def release(root: Path, name: str) -> None:
    """Remove a reservation (:func:`reserve`) that no run filled: the folder only if it is
    still an empty folder (never a symlink, never anything with files in it)."""
    path = root / name
    if path.is_dir() and not path.is_symlink():
        try:
            os.rmdir(path)
        except OSError:  # not empty: something was written there; leave it
            pass
