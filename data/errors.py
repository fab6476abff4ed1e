"""The one exception type for bad input: it names the file, the row and the field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in the input.

    Attributes
    ----------
    file : str
        File the problem is in (as the user gave it, or the dataset-relative path).
    row : int | None
        1-based data row (the header is not counted); ``None`` for file-level problems.
    field : str | None
        Column (or YAML key) concerned.
    message : str
        What is wrong, in words, with the offending value.
    row_id : str | None
        The row's id (e.g. ``crossing_id``) when it has one, to find it without counting.
    """

    file: str
    row: int | None
    field: str | None
    message: str
    row_id: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            row = f"row {self.row}"
            if self.row_id:
                row += f" ({self.row_id})"
            where.append(row)
        if self.field:
            where.append(f"field '{self.field}'")
        # one line whatever a library put in the message (PyYAML's span several)
        return " ".join(f"{', '.join(where)}: {self.message}".split())


class InputError(ValueError):
    """Bad input. ``str(err)`` is one message naming file, row and field.

    The command line turns it into exit code 2 and writes nothing.
    """

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first if more == 0 else f"{first} (and {more} more problem(s))")

    @property
    def first(self) -> Problem:
        """The first problem, the one the message shows."""
        return self.problems[0]


def display_path(path: Path | str) -> str:
    """Path shown in messages: relative to the working directory when possible."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
