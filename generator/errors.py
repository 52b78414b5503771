"""The one error type users see: a message, where it came from, and the exit code it means."""

from __future__ import annotations

from .model import Source


class TetradError(Exception):
    """An error that stops a command. ``cli`` prints it on one line, without a traceback."""

    exit_code = 1

    def __init__(self, message: str, source: Source | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class UsageError(TetradError):
    """Bad arguments, or nothing to build (no diary folder): exit 2."""

    exit_code = 2


class BusyError(TetradError):
    """Another build holds the output folder's lock: exit 1, at once, without touching anything."""

    exit_code = 1
