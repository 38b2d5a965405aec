"""What one poll did: per-feed reports and the run's figures (shown, and kept in ``runs``).

Errors are shown with any credentials in URLs masked: a summary lands in cron mail and in
the ``runs`` table, where a feed's password has no business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dedup.ingest.redact import mask_urls_in


class _Summary(Protocol):
    def as_dict(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...


@dataclass
class FeedReport:
    """What one feed's poll did, for the summary."""

    name: str
    outcome: str  # ok | empty | not_modified | bozo | refused | error | gone | moved | timed_out
    status: int | None = None
    error: str | None = None
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    next_poll_at: datetime | None = None
    warning: str | None = None  # e.g. an empty response: not a failure, but worth saying


@dataclass
class PollSummary:
    """Figures of one poll; ``analysis`` is filled in by :func:`dedup.pipeline.poll`."""

    feeds: int = 0
    polled: int = 0
    skipped_disabled: int = 0
    skipped_backoff: int = 0
    not_modified: int = 0
    failed: int = 0
    bozo: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    pages_refused: int = 0
    refused: int = 0
    timed_out: int = 0
    empty: int = 0
    reports: list[FeedReport] = field(default_factory=list)
    analysis: _Summary | None = None

    def as_dict(self) -> dict[str, Any]:
        counts = {
            name: getattr(self, name)
            for name in (
                "feeds",
                "polled",
                "skipped_disabled",
                "skipped_backoff",
                "not_modified",
                "failed",
                "bozo",
                "new",
                "changed",
                "unchanged",
                "pages_fetched",
                "pages_failed",
                "pages_refused",
                "refused",
                "timed_out",
                "empty",
            )
        }
        counts["problems"] = [
            {
                "feed": r.name,
                "outcome": r.outcome,
                "status": r.status,
                "error": mask_urls_in(r.error or r.warning or ""),
                "next_poll_at": r.next_poll_at.isoformat() if r.next_poll_at else None,
            }
            for r in self.reports
            if r.error or r.warning
        ]
        counts["analysis"] = self.analysis.as_dict() if self.analysis is not None else None
        return counts

    def describe(self) -> str:
        skipped = self.skipped_backoff + self.skipped_disabled
        lines = [
            f"polled {self.polled} of {self.feeds} feed(s): {self.new} new, {self.changed} "
            f"changed, {self.unchanged} unchanged article(s); {self.not_modified} not modified, "
            f"{self.failed} failed, {skipped} skipped (backing off or disabled)"
        ]
        if self.pages_fetched or self.pages_failed or self.pages_refused:
            lines.append(
                f"fetched {self.pages_fetched} article page(s) for full text; "
                f"{self.pages_failed} could not be used, {self.pages_refused} refused by the "
                "fetch policy (private or local addresses)"
            )
        if self.timed_out:
            lines.append(
                f"the poll's deadline passed: {self.timed_out} feed(s) recorded as timed out"
            )
        for r in self.reports:
            if r.warning and not r.error:
                lines.append(f"  {r.name}: warning: {mask_urls_in(r.warning)}")
            if r.error:
                when = (
                    f"; next try after {r.next_poll_at:%Y-%m-%d %H:%M} UTC"
                    if r.next_poll_at
                    else ""
                )
                lines.append(f"  {r.name}: {r.outcome}: {mask_urls_in(r.error)}{when}")
        if self.analysis is not None:
            lines.append(self.analysis.describe())
        return "\n".join(lines)
