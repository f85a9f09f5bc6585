"""User-facing errors for bad input: what is wrong, where, and what is allowed instead."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's document."""

    field: str
    """Dotted path such as ``shop.machines[2].cycle_time``; ``""`` for the whole document."""
    message: str
    """What is wrong and what is allowed."""
    line: int | None = None
    """1-based line in the file, when the YAML parser gives one."""


class InputError(Exception):
    """Bad user input. Carries the file and one or more problems; str() is the user-facing text."""

    def __init__(self, file: str | os.PathLike[str] | None, problems: list[Problem]) -> None:
        if not problems:
            # An error that prints nothing would leave the user guessing.
            raise ValueError("InputError needs at least one Problem")
        # Keep the constructor's arguments in args so the exception survives pickling
        # (multiprocessing workers send errors back that way).
        super().__init__(file, problems)
        self.file: str | None = None if file is None else os.fspath(file)
        self.problems: list[Problem] = list(problems)

    def __str__(self) -> str:
        return "\n".join(self._render(problem) for problem in self.problems)

    def _render(self, problem: Problem) -> str:
        where = "<input>" if self.file is None else self.file
        if problem.line is not None:
            where = f"{where}:{problem.line}"
        field = f"{problem.field}: " if problem.field else ""
        return f"{where}: {field}{problem.message}"


def shorten(text: str, limit: int = 60) -> str:
    """Cut ``text`` to at most ``limit`` characters so one bad value cannot flood a message."""
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."
