"""Atomic filesystem steps of the run-folder writer: umask, renameat2, fsync, swap.

:func:`swap_into_place` puts a finished folder at its target in one ``renameat2`` call with
``RENAME_EXCHANGE`` (the old folder and the new one trade names: the target is never
missing), or ``RENAME_NOREPLACE`` when there is nothing to replace. Where the call is missing
(not Linux, a libc and kernel without it, a filesystem that refuses it: ``ENOSYS``,
``EINVAL``) the fallback is two renames, old aside then new in place; the policy module
(:mod:`borderflow.runfolder`) recovers the old folder if a writer dies between them.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
from pathlib import Path

from borderflow.faults import fault_point

_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100
#: renameat2 system call numbers, for a libc without the wrapper (glibc < 2.28)
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "aarch64": 276}

class RenameUnsupported(OSError):
    """``renameat2`` is not available here (OS, libc or filesystem)."""


def current_umask() -> int:
    """The process's umask, read without changing it (``/proc/self/status`` on Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: the classic read-by-setting (not thread-safe)
    os.umask(mask)
    return mask


def apply_umask(folder: Path | str) -> None:
    """Give ``folder`` and everything in it the modes ``mkdir``/``open`` would under the umask
    (``tempfile`` makes folders 0700 and files 0600). Symbolic links are not followed."""
    mask = current_umask()
    os.chmod(folder, 0o777 & ~mask)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            if not os.path.islink(os.path.join(root, name)):
                os.chmod(os.path.join(root, name), 0o777 & ~mask)
        for name in files:
            if not os.path.islink(os.path.join(root, name)):
                os.chmod(os.path.join(root, name), 0o666 & ~mask)


def _libc_renameat2():
    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "renameat2"):
        return lambda a, b, flags: libc.renameat2(_AT_FDCWD, a, _AT_FDCWD, b, flags)
    number = _SYSCALL_RENAMEAT2.get(os.uname().machine)
    if number is None or not hasattr(libc, "syscall"):
        return None
    return lambda a, b, flags: libc.syscall(number, _AT_FDCWD, a, _AT_FDCWD, b, flags)


_RENAMEAT2 = _libc_renameat2() if os.name == "posix" and os.uname().sysname == "Linux" else None


def renameat2(src: Path | str, dst: Path | str, flags: int) -> None:
    """Linux ``renameat2``; :class:`RenameUnsupported` where the OS or filesystem lacks it."""
    if _RENAMEAT2 is None:
        raise RenameUnsupported(errno.ENOSYS, "renameat2 is not available")
    if _RENAMEAT2(os.fsencode(src), os.fsencode(dst), flags) == 0:
        return
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        raise RenameUnsupported(err, os.strerror(err))
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def hidden_sibling(target: Path, role: str) -> Path:
    return target.with_name(f".{target.name}.bf-{role}-{secrets.token_hex(4)}.tmp")


def fsync_path(path: Path | str) -> None:
    """``fsync`` a file or folder (a folder's entries: the renames into it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fsync_path(os.path.join(root, name))
        fsync_path(root)


def swap_into_place(new: Path | str, target: Path | str, kind: str = "run") -> Path | None:
    """Put the folder ``new`` at ``target`` atomically.

    Returns
    -------
    Path or None
        Where the old folder now is (to be removed by the caller), ``None`` if there was none.
    """
    new, target = Path(new), Path(target)
    fault_point(f"{kind}:swap")
    if not os.path.lexists(target):
        try:
            renameat2(new, target, _RENAME_NOREPLACE)
        except RenameUnsupported:
            os.rename(new, target)  # the target was checked missing under the lock
        return None
    try:
        renameat2(new, target, _RENAME_EXCHANGE)
        return new  # the old folder now sits at the new one's temporary name
    except RenameUnsupported:
        aside = hidden_sibling(target, "old")
        os.rename(target, aside)
        fault_point(f"{kind}:aside")
        os.rename(new, target)
        return aside
