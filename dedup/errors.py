"""The one exception tree of dedup.

Every error a user can cause derives from :class:`DedupError`; its message is one line that
says what went wrong and how to fix it. The CLI prints that line and exits with the class's
``exit_code``; library callers catch ``DedupError`` and never see a traceback for bad input.

The exit codes are :data:`EXIT_CODES`, the one list ``dedup --help`` prints; the README's
table is checked against it by a test.
"""

from __future__ import annotations


class DedupError(Exception):
    """Base class of every error dedup reports to its user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(DedupError):
    """``feeds.yml`` or an environment variable is invalid."""

    exit_code = 3


class InputError(DedupError):
    """A file or record given to dedup cannot be read."""

    exit_code = 4


class StoreError(DedupError):
    """The database cannot be opened, migrated or written."""

    exit_code = 5


class IndexSettingsChanged(StoreError):
    """The fingerprint settings differ from those the stored index was built with."""

    exit_code = 6


class LockedError(DedupError):
    """Another dedup run holds the store's lock."""

    exit_code = 7


class NotFoundError(DedupError):
    """A story, article or feed named on the command line does not exist."""

    exit_code = 8


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected internal error (rerun with --verbose and report it)",
    2: "usage error",
    3: "configuration error (feeds.yml or environment)",
    4: "input error (a file or record that cannot be read)",
    5: "store error (database cannot be opened, migrated or written)",
    6: "index settings changed: run `dedup reindex`",
    7: "another dedup run holds the lock",
    8: "not found",
    130: "interrupted (Ctrl-C); committed work is kept, rerun to continue",
}
