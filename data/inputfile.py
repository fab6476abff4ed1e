"""What an input path must be before it is opened: an existing regular file.

A folder, a FIFO, a socket or a device where a table or a scenario file is expected is refused
without opening it (opening a FIFO nobody writes to waits forever).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError, Problem


def regular_file_size(path: Path | str, shown: str, kind: str) -> int:
    """Size in bytes of the regular file ``path``; refuse anything else in one line.

    Parameters
    ----------
    path : path
    shown : str
        The path as messages show it.
    kind : str
        What the file should be, for the message (``CSV``, ``YAML``).

    Raises
    ------
    InputError
        Missing, unreadable, a folder, or not a regular file.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(Problem(shown, None, None, "file not found")) from None
    except OSError as err:
        raise InputError(Problem(shown, None, None, f"cannot be read: {err.strerror}")) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(Problem(shown, None, None, f"is a folder, not a {kind} file"))
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Problem(shown, None, None, "is not a regular file (a FIFO, socket or "
                                 f"device): give a {kind} file"))
    return st.st_size
