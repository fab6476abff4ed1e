"""Safe output folders: borderflow replaces only what it made, atomically, one writer at a time.

Every command that writes a run or sweep folder goes through :func:`claim`::

    with claim(out, "run", protected={"--data": data}) as target:   # checked before solving
        ...solve...
        with target.replace() as tmp:       # build the new folder in a hidden sibling
            write tables into tmp           # commit: manifest, marker, atomic swap

Rules (docs/reliability.md tells them to users)
-----------------------------------------------
Ownership
    A folder is borderflow's when it holds the marker ``.borderflow-run.json`` (``kind``:
    ``run``, ``sweep``, ``calibration``, ``respond``, ``uncertainty`` or ``robust``; a robust
    plan written before issue 17 is marked ``run`` and may be replaced by ``robust``), written
    last, after
    the checksum manifest (:mod:`borderflow.manifest`). Only such a folder (of the same kind),
    an empty folder or nothing may be at ``--out``. Anything else is refused with one line and
    exit 2, before any solving: a folder holding other files, a plain file, a symbolic link, a
    device, FIFO or socket, a mount point, the current folder (``.``, ``""``) or one containing
    it, and the dataset, overlay and scenario paths given to the command (``protected``),
    inside them or containing them. There is no option to overwrite what borderflow did not
    write: choose another ``--out`` (so no ``--force``).
Atomic swap
    A run is built complete in ``.NAME.bf-new-XXXX.tmp`` beside ``NAME`` and exchanged with the
    old folder in one ``renameat2(RENAME_EXCHANGE)`` (Linux 3.15+, ext4, xfs, btrfs, tmpfs):
    at every instant ``NAME`` is the old folder or the new one. Where the exchange is not
    available (another OS or filesystem) the fallback renames the old folder aside
    (``.NAME.bf-old-XXXX.tmp``) and the new one into place; a kill between the two renames
    leaves ``NAME`` missing for that instant, and the next command that claims ``NAME``
    renames the old folder back before anything else.
Leftovers
    Temporary folders of a killed writer (``.NAME.bf-new-*``, ``.NAME.bf-old-*``, and those of
    borderflow before this module: ``.NAME.XXXXXXXX.tmp``, ``.NAME.old-PID``) are removed by
    the next claim of ``NAME``, under its lock; a crash before the exchange never touches the
    old folder.
Lock
    One writer per output folder: :func:`claim` holds ``fcntl.flock`` on ``.NAME.bf.lock``
    beside the folder (removed on release; a killed holder's lock is released by the kernel).
    A second writer gets exit 2: "in use by another borderflow process (pid N)". Local
    filesystems only (``flock`` on NFS may not exclude other machines).
Permissions
    Folders and files follow the umask (``0o777`` / ``0o666`` minus it), as ``mkdir`` and
    ``open`` would make them.
Write failures
    A full disk, a read-only filesystem or a file-size limit while writing becomes an
    :class:`OutputError` (exit 2, one line naming ``--out``); the temporary folder is removed
    and the old folder is left as it was. The parent is probed (lock file created) before
    solving, so a read-only or missing-permission target fails fast.

Each step that changes the disk calls :func:`borderflow.faults.fault_point` (``run:swap`` ...)
so tests can kill the process at every one of them.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from borderflow.atomicfs import (
    apply_umask,
    current_umask,
    fsync_path,
    fsync_tree,
    hidden_sibling,
    swap_into_place,
)
from borderflow.data.errors import InputError, Problem, display_path
from borderflow.faults import fault_point
from borderflow.manifest import write_manifest

MARKER = ".borderflow-run.json"
#: what a marked folder holds (``calibration``: ``borderflow calibrate``, docs/calibration.md;
#: ``uncertainty``: ``borderflow uncertainty``, resumable in place as a sweep; ``robust``:
#: ``borderflow robust``, whose folders before issue 17 were marked ``run``: :func:`old_robust`)
KINDS = ("run", "sweep", "calibration", "respond", "uncertainty", "robust", "reopening")
#: version of the marker's layout
MARKER_FORMAT = 1
class OutputError(InputError):
    """The output folder cannot be written (refused, in use, or the disk failed): exit 2."""


# ------------------------------------------------------------------------- marker
def read_marker(folder: Path | str) -> dict | None:
    """The marker of a folder borderflow wrote (``None`` if absent or unreadable)."""
    path = Path(folder) / MARKER
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") in KINDS else None


def write_marker(folder: Path | str, kind: str, *, complete: bool = True,
                 manifest_sha256: str | None = None) -> None:
    """Write (atomically: temp file + rename) the marker that makes ``folder`` borderflow's."""
    folder = Path(folder)
    doc = {"format": MARKER_FORMAT, "kind": kind, "complete": complete, "writer": "borderflow",
           "manifest_sha256": manifest_sha256}
    tmp = folder / f"{MARKER}.{secrets.token_hex(4)}.tmp"
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o666 & ~current_umask())
    os.replace(tmp, folder / MARKER)


def old_robust(folder: Path | str) -> bool:
    """A robust plan written before robust folders had their own kind: marked ``run``, with
    ``plan.csv`` and ``scenarios.csv`` and no run's ``route_flows``."""
    folder = Path(folder)
    return (folder / "plan.csv").is_file() and (folder / "scenarios.csv").is_file() \
        and not any(folder.glob("route_flows.*"))


# ------------------------------------------------------------------------- what is at --out
def _shown(path: Path | str) -> str:
    """``path`` as given, relative to the working directory when inside it (a symbolic link
    is shown as itself, not as what it points to)."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, os.getcwd())
    return absolute if rel.startswith("..") else rel


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_target(out: Path | str, kind: str = "run", *,
                 protected: Mapping[str, Path | str | None]
                 | Iterable[tuple[str, Path | str | None]] | None = None,
                 option: str = "--out") -> str:
    """Check what is at ``out`` and return ``"absent"``, ``"empty"`` or ``"ours"``.

    Parameters
    ----------
    out : path
        The folder to write.
    kind : ``"run"`` or ``"sweep"``
    protected : mapping or iterable of pairs, optional
        Option -> path the command reads (``{"--data": ..., "--scenario": ...}``, or pairs
        ``[("--overlay", a), ("--overlay", b)]`` when an option repeats): ``out`` may be
        neither of them, nor inside nor around them.
    option : str
        The option named in messages.

    Raises
    ------
    OutputError
        One line naming ``out`` and ``option``: why borderflow will not write there.
    """
    raw = str(out)

    def refuse(message: str, shown: str | None = None) -> None:
        raise OutputError(Problem(shown or _shown(out), None, option, message))

    if not raw.strip() or raw.strip() == ".":
        refuse("is the current folder (or empty): name the folder to write, e.g. runs/base",
               repr(raw))
    absolute = Path(os.path.abspath(raw))
    cwd = Path.cwd().resolve()
    target = absolute.parent.resolve() / absolute.name if absolute.name else absolute
    if not absolute.name or _inside(cwd, target):
        refuse("is the current folder or contains it: name a new folder, e.g. runs/base")
    pairs = protected.items() if isinstance(protected, Mapping) else (protected or ())
    for label, path in pairs:
        if path is None:
            continue
        mine = Path(path).resolve()
        if _inside(target, mine):
            refuse(f"is {'' if target == mine else 'inside '}the path given with {label} "
                   f"({display_path(path)}): borderflow never writes into its inputs")
        if _inside(mine, target):
            refuse(f"contains {display_path(path)} given with {label}: replacing it would "
                   "delete that input")
    parent = target.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        refuse(f"cannot be created: {display_path(parent)} is a file, not a folder")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return "absent"
    except OSError as err:
        refuse(f"cannot be inspected: {err.strerror}")
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        refuse(f"is a symbolic link (to {os.readlink(target)}): borderflow writes only real "
               "folders it made; give another --out")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        refuse("is a device, not a folder: give a folder name, e.g. runs/base")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        refuse(f"is a {'named pipe (FIFO)' if stat.S_ISFIFO(mode) else 'socket'}, not a "
               "folder: give a folder name, e.g. runs/base")
    if not stat.S_ISDIR(mode):
        refuse("is a file, not a folder: give a folder name (the file is left as it is)")
    if os.path.ismount(target):
        refuse("is a mount point: give a folder inside it")
    marker = read_marker(target)
    if marker is not None:
        if kind == "robust" and marker["kind"] == "run" and old_robust(target):
            return "ours"
        if marker["kind"] != kind:
            article = "an" if kind[0] in "aeiou" else "a"
            refuse(f"holds a borderflow {marker['kind']} folder, not {article} {kind}: choose "
                   f"another {option}")
        return "ours"
    entries = sorted(os.listdir(target))
    if not entries:
        return "empty"
    listed = ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3
                                       else "")
    if {"summary.json", "run.json"} <= set(entries) or "plan.json" in entries:
        refuse(f"looks like a {kind} folder of an older borderflow (no {MARKER} marker, so "
               "it could hold anything): borderflow no longer replaces unmarked folders; "
               f"rename or delete it yourself (e.g. mv {_shown(out)} {_shown(out)}-old), or "
               f"choose another {option}")
    refuse(f"holds files borderflow did not write ({listed}); borderflow replaces "
           f"only folders it made (marked {MARKER}): choose another {option}")
    return "absent"  # not reached


# ------------------------------------------------------------------------- leftovers
def _leftover_pattern(name: str) -> re.Pattern:
    n = re.escape(name)
    return re.compile(rf"^\.{n}\.(bf-(new|old)-[0-9a-f]+\.tmp|[a-z0-9_]{{8}}\.tmp|old-\d+)$")


def recover(target: Path) -> Path | None:
    """If ``target`` is missing but a writer was killed between the two renames of the
    fallback swap (or of borderflow before this module), rename the old folder back.

    Returns the folder restored, or ``None``. Call it under the target's lock."""
    if os.path.lexists(target) or not target.parent.is_dir():
        return None
    n = re.escape(target.name)
    olds = [p for p in target.parent.iterdir() if p.is_dir() and not p.is_symlink()
            and re.match(rf"^\.{n}\.(bf-old-[0-9a-f]+\.tmp|old-\d+)$", p.name)]
    if not olds:
        return None
    old = max(olds, key=lambda p: (read_marker(p) is not None, p.stat().st_mtime))
    os.rename(old, target)
    fault_point("recover:restored")
    return old


def clean_stale(parent: Path | str, name: str | None = None) -> list[Path]:
    """Remove the temporary files and folders a killed writer left in ``parent`` (those of
    ``name`` only, or of any name when ``None``). Call it under the lock that covers them."""
    parent = Path(parent)
    if not parent.is_dir():
        return []
    pattern = _leftover_pattern(name) if name is not None else \
        re.compile(r"^\..+\.(bf-(new|old)-[0-9a-f]+\.tmp|[a-z0-9_]{8}\.tmp|old-\d+)$")
    removed = []
    for p in sorted(parent.iterdir()):
        if not pattern.match(p.name) or p.name == MARKER:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    if removed:
        fault_point("clean:stale-removed")
    return removed


# ------------------------------------------------------------------------- swap
def _os_error(out: Path, err: OSError, option: str) -> OutputError:
    name = errno.errorcode.get(err.errno or 0, "")
    return OutputError(Problem(_shown(out), None, option, f"could not be written: "
                               f"{err.strerror or err}{f' ({name})' if name else ''}; nothing "
                               "was replaced (a previous folder there is as it was)"))


@contextmanager
def replace_folder(target: Path | str, kind: str = "run", *, durable: bool = True,
                   volatile: Mapping[str, Iterable[str]] | None = None,
                   option: str = "--out") -> Iterator[Path]:
    """Build a folder in a hidden sibling and swap it into place (no lock: the caller holds
    the one that covers ``target``, e.g. a sweep's lock for its scenario folders).

    On normal exit of the ``with`` body: modes from the umask, ``manifest.json``, the marker,
    ``fsync`` (if ``durable``), a last check of ``target``, the swap, the old folder removed.
    On an exception the temporary folder is removed and ``target`` is untouched; an
    ``OSError`` becomes an :class:`OutputError`.
    """
    target = Path(target)
    check_target(target, kind, option=option)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = hidden_sibling(target, "new")
        os.mkdir(tmp)
    except OSError as err:
        raise _os_error(target, err, option) from None
    try:  # from here on an exception (Ctrl-C, SIGTERM at this very step) removes ``tmp``
        fault_point(f"{kind}:staging-created")
        yield tmp
        fault_point(f"{kind}:files-written")
        apply_umask(tmp)
        digest = write_manifest(tmp, volatile=volatile, exclude=(MARKER,))
        fault_point(f"{kind}:manifest")
        write_marker(tmp, kind, manifest_sha256=digest)
        fault_point(f"{kind}:marker")
        if durable:
            fsync_tree(tmp)
        check_target(target, kind, option=option)
        old = swap_into_place(tmp, target, kind)
        fault_point(f"{kind}:swapped")
        if durable:
            fsync_path(target.parent)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _os_error(target, err, option) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
        fault_point(f"{kind}:old-removed")


# ------------------------------------------------------------------------- lock and claim
def _lock(path: Path, out: Path, option: str) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~current_umask())
        except OSError as err:
            raise OutputError(Problem(_shown(out), None, option, f"cannot be written: "
                                      f"{err.strerror} ({display_path(path.parent)})")) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise OutputError(Problem(_shown(out), None, option, "is in use by another "
                                      f"borderflow process{f' (pid {holder})' if holder else ''}"
                                      f": wait for it to finish or choose another {option}")
                              ) from None
        try:  # the previous holder may have removed the file between our open and flock
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)


class Claim:
    """An output folder held for writing (see :func:`claim`)."""

    def __init__(self, out: Path, kind: str, protected: list, option: str, durable: bool,
                 volatile: Mapping | None):
        self.out, self.kind, self.protected, self.option = out, kind, protected, option
        self.durable, self.volatile = durable, volatile

    @contextmanager
    def replace(self) -> Iterator[Path]:
        """Build the new folder in a temporary sibling; swap it in when the body ends well."""
        check_target(self.out, self.kind, protected=self.protected, option=self.option)
        with replace_folder(self.out, self.kind, durable=self.durable, volatile=self.volatile,
                            option=self.option) as tmp:
            yield tmp

    def open_in_place(self) -> Path:
        """The folder itself, to be written in place (a sweep that resumes or starts afresh):
        created if missing and marked ``complete: false`` until :meth:`finish_in_place`."""
        state = check_target(self.out, self.kind, protected=self.protected, option=self.option)
        try:
            if state == "absent":
                os.mkdir(self.out, 0o777 & ~current_umask())
            clean_stale_tree(self.out)
            write_marker(self.out, self.kind, complete=False)
        except OSError as err:
            raise _os_error(self.out, err, self.option) from None
        fault_point(f"{self.kind}:opened-in-place")
        return self.out

    def finish_in_place(self) -> None:
        """Manifest and ``complete: true`` marker of a folder written in place."""
        try:
            apply_umask(self.out)
            digest = write_manifest(self.out, volatile=self.volatile, exclude=(MARKER,))
            fault_point(f"{self.kind}:manifest")
            write_marker(self.out, self.kind, manifest_sha256=digest)
        except OSError as err:
            raise _os_error(self.out, err, self.option) from None
        fault_point(f"{self.kind}:marker")


def clean_stale_tree(folder: Path | str) -> list[Path]:
    """:func:`clean_stale` in ``folder`` and in each of its sub-folders (a sweep's scenario
    folders); only inside a folder borderflow owns."""
    removed = []
    for root, dirs, _files in os.walk(folder):
        removed += clean_stale(root)
        dirs[:] = [d for d in dirs if os.path.isdir(os.path.join(root, d))]
    return removed


@contextmanager
def claim(out: Path | str, kind: str = "run", *,
          protected: Mapping[str, Path | str | None]
          | Iterable[tuple[str, Path | str | None]] | None = None, option: str = "--out",
          durable: bool = True, volatile: Mapping[str, Iterable[str]] | None = None
          ) -> Iterator[Claim]:
    """Hold ``out`` for writing: check it, lock it, recover and clean what a killed writer
    left, and release it at the end.

    Everything that can refuse ``out`` does so here, before the caller solves anything. If the
    body raises, folders this call created (missing parents) are removed again, so a refused
    or failed command leaves nothing behind.

    Parameters
    ----------
    out : path
    kind : ``"run"`` or ``"sweep"``
    protected : mapping or iterable of pairs, optional
        Inputs of the command, option -> path (see :func:`check_target`).
    option : str
        Option named in messages.
    durable : bool
        ``fsync`` files before the swap (survives a power cut, not only a kill).
    volatile : mapping, optional
        Wall-clock keys of JSON documents, left out of their checksums (see
        :func:`borderflow.manifest.build_manifest`).

    Raises
    ------
    OutputError
        ``out`` refused, in use, or not writable.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    protected = list(protected.items() if isinstance(protected, Mapping) else protected or ())
    check_target(out, kind, protected=protected, option=option)
    out = Path(os.path.abspath(out))
    created = []
    parent = out.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(Problem(_shown(out), None, option, f"cannot be written: "
                                  f"{err.strerror} ({display_path(parent)})")) from None
    lock_path = out.with_name(f".{out.name}.bf.lock")
    try:
        fd = _lock(lock_path, out, option)
    except BaseException:
        _remove_created(created)
        raise
    fault_point(f"{kind}:locked")
    ok = False
    try:
        recover(out)
        clean_stale(out.parent, out.name)
        check_target(out, kind, protected=protected, option=option)
        yield Claim(out, kind, protected, option, durable, volatile)
        ok = True
    finally:
        try:
            os.unlink(lock_path)  # while still holding it: see _lock for the race this closes
        except FileNotFoundError:
            pass
        os.close(fd)
        if not ok:
            _remove_created(created)


def _remove_created(created: list[Path]) -> None:
    for folder in created:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            break
