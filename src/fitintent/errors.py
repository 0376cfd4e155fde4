"""Errors a user can act on. The CLI prints them plainly (no traceback) and exits non-zero."""

from __future__ import annotations


class FitintentError(Exception):
    """Base of every error that is the user's to fix."""

    exit_code = 1


class ConfigError(FitintentError):
    """The configuration file is missing, unreadable or has invalid values."""

    exit_code = 2


class InputError(FitintentError):
    """A source file cannot be used at all: unreadable, wrong encoding, missing required column.

    Bad *rows* never raise; they are quarantined. A bad *file* stops the run before anything is
    published.
    """

    exit_code = 3

    def __init__(
        self, file: str, message: str, *, column: str | None = None, row: int | None = None
    ) -> None:
        self.file, self.column, self.row = file, column, row
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class PublishError(FitintentError):
    """A snapshot could not be published; the previous one is untouched."""

    exit_code = 4
