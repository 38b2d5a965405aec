"""``feeds.yml`` + environment -> one validated, frozen :class:`Settings` object.

Defaults live here; the user's file is merged over them and validated once. Per-feed keys
override the global ``fetch`` settings for that feed only. Every problem is a
:class:`~dedup.errors.ConfigError` naming the file, the key and what is accepted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from dedup.errors import ConfigError

DEFAULT_DB = "db/dedup.sqlite"
DEFAULT_CONFIG = "feeds.yml"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class FetchSettings:
    """How feeds and article pages are fetched."""

    user_agent: str = "dedup/0.1 (+https://github.com/dedup/dedup; syndication research)"
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    concurrency: int = 4
    per_host_delay: float = 1.0
    full_text: bool = False
    max_backoff_hours: float = 24.0
    allow_private: bool = False
    stale_after_days: float = 14.0
    poll_deadline: float = 600.0  # global only: seconds one whole `dedup poll` may take


@dataclass(frozen=True)
class FeedConfig:
    """One entry of ``feeds:`` in ``feeds.yml``."""

    name: str
    url: str
    site: str | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)


@dataclass(frozen=True)
class PollSettings:
    """How several pollers share the feeds (``poll:`` in ``feeds.yml``; see docs/scaling.md)."""

    lease_seconds: float = 600.0  # a claimed feed returns to the pool this long after a crash
    claim_batch: int = 16  # feeds claimed per round trip
    interval_minutes: float = 0.0  # a feed polled this recently is not due (0: every run)


@dataclass(frozen=True)
class Settings:
    """Everything a dedup command needs, validated."""

    db_url: str = f"sqlite:///{DEFAULT_DB}"
    config_path: Path | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: tuple[FeedConfig, ...] = ()
    poll: PollSettings = field(default_factory=PollSettings)
    # The paragraph index on a shared server (redis://...); None keeps it in the store.
    index_url: str | None = None


def db_url_from(value: str | None) -> str:
    """Turn ``--db`` / ``DEDUP_DB`` (a path or an SQLAlchemy URL) into a URL."""
    raw = value or os.environ.get("DEDUP_DB") or DEFAULT_DB
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser()}"


def index_url_from(value: str | None) -> str | None:
    """``--index`` / ``DEDUP_INDEX``: a ``redis://`` URL, or nothing for the store's own index."""
    raw = value or os.environ.get("DEDUP_INDEX") or None
    if raw is not None and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"index {raw!r}: give a redis://host:port/db URL, or leave it unset to keep the "
            "paragraph index in the store"
        )
    return raw


def _poll_settings(raw: Any, where: str) -> PollSettings:
    if raw is None:
        return PollSettings()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of poll settings, got {raw!r}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in PollSettings.__dataclass_fields__:
            known = ", ".join(PollSettings.__dataclass_fields__)
            raise ConfigError(f"{where}: unknown setting {key!r}; known settings: {known}")
        integral = key == "claim_batch"
        if isinstance(value, bool) or not isinstance(value, int if integral else (int, float)):
            kind = "a whole number" if integral else "a number"
            raise ConfigError(f"{where}.{key}: expected {kind}, got {value!r}")
        if key == "interval_minutes" and value < 0:
            raise ConfigError(f"{where}.{key}: must be 0 or more, got {value!r}")
        if key != "interval_minutes" and value <= 0:
            raise ConfigError(f"{where}.{key}: must be greater than 0, got {value!r}")
        values[key] = value if integral else float(value)
    return PollSettings(**values)


_FETCH_TYPES: dict[str, type | tuple[type, ...]] = {
    "user_agent": str,
    "timeout": (int, float),
    "max_bytes": int,
    "concurrency": int,
    "per_host_delay": (int, float),
    "full_text": bool,
    "max_backoff_hours": (int, float),
    "allow_private": bool,
    "stale_after_days": (int, float),
    "poll_deadline": (int, float),
}
# Settings of the whole run, not of one feed.
_GLOBAL_ONLY = frozenset({"concurrency", "poll_deadline"})
# feeds.yml is a short hand-written file; anything far larger is a mistake or an attack.
MAX_CONFIG_BYTES = 1_000_000


def _fetch_settings(base: FetchSettings, raw: Any, where: str) -> FetchSettings:
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where}: expected a mapping of fetch settings, got {type(raw).__name__}"
        )
    values: dict[str, Any] = {}
    for key, item in raw.items():
        value: Any = item
        expected = _FETCH_TYPES.get(key)
        if expected is None:
            known = ", ".join(sorted(_FETCH_TYPES))
            raise ConfigError(f"{where}: unknown setting {key!r}; known settings: {known}")
        # bool is an int in Python: refuse `timeout: true` explicitly.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(f"{where}.{key}: expected {_type_name(expected)}, got {value!r}")
        value = item  # isinstance() against a tuple narrows to object; the checks above hold
        positive = {"timeout", "max_bytes", "concurrency", "max_backoff_hours", "poll_deadline"}
        if key in positive | {"stale_after_days"} and value <= 0:
            raise ConfigError(f"{where}.{key}: must be greater than 0, got {value!r}")
        if key == "per_host_delay" and value < 0:
            raise ConfigError(f"{where}.{key}: must be 0 or more, got {value!r}")
        values[key] = float(value) if expected == (int, float) else value
    return replace(base, **values)


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return "a number"
    return {str: "a string", int: "a whole number", bool: "true or false"}.get(
        expected, expected.__name__
    )


_FEED_KEYS = {"name", "url", "site"} | (set(_FETCH_TYPES) - _GLOBAL_ONLY)


def _feed(raw: Any, index: int, defaults: FetchSettings, path: Path) -> FeedConfig:
    where = f"{path}: feeds[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with name and url, got {raw!r}")
    unknown = set(raw) - _FEED_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
            "a feed takes name, url, site and fetch settings "
            f"({', '.join(sorted(set(_FETCH_TYPES) - _GLOBAL_ONLY))})"
        )
    name, url = raw.get("name"), raw.get("url")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(
            f"{where}.name: give a short name of letters, digits, '.', '_' or '-', got {name!r}"
        )
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{where}.url: give the feed's URL or a local path, got {url!r}")
    site = raw.get("site")
    if site is not None and not isinstance(site, str):
        raise ConfigError(f"{where}.site: expected a string, got {site!r}")
    overrides = {k: v for k, v in raw.items() if k in _FETCH_TYPES}
    return FeedConfig(
        name=name,
        url=url.strip(),
        site=site,
        fetch=_fetch_settings(defaults, overrides or None, where),
    )


class _AliasRefused(yaml.YAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.safe_load`` without aliases: a few hundred bytes of nested aliases expand to
    gigabytes (a "billion laughs"), and a feeds list has no need of them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _AliasRefused(
                f"YAML aliases (*{event.anchor}, line {event.start_mark.line + 1}) are not "
                "accepted in feeds.yml; write the value out"
            )
        return super().compose_node(parent, index)


def load_settings(
    config_path: str | Path | None = None, db: str | None = None, index: str | None = None
) -> Settings:
    """Read ``feeds.yml`` (if present, or required when named) and the environment."""
    db_url = db_url_from(db)
    index_url = index_url_from(index)
    explicit = config_path is not None
    path = Path(config_path) if config_path is not None else Path(DEFAULT_CONFIG)
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: no such file; give --config the path of your feeds.yml")
        return Settings(db_url=db_url, index_url=index_url)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; is it feeds.yml?")
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliasLoader)  # a SafeLoader
    except _AliasRefused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{at}; check indentation and quoting") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'feeds:' list at the top")
    unknown = set(raw) - {"feeds", "fetch", "poll"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
            "use 'feeds', 'fetch' and 'poll'"
        )
    fetch = _fetch_settings(FetchSettings(), raw.get("fetch"), f"{path}: fetch")
    feeds_raw = raw.get("feeds") or []
    if not isinstance(feeds_raw, list):
        raise ConfigError(f"{path}: 'feeds' must be a list of feeds, each with name and url")
    feeds = tuple(_feed(item, i, fetch, path) for i, item in enumerate(feeds_raw))
    names = [f.name for f in feeds]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(
            f"{path}: feed name(s) used twice: {', '.join(dupes)}; names must be unique"
        )
    poll = _poll_settings(raw.get("poll"), f"{path}: poll")
    return Settings(
        db_url=db_url, config_path=path, fetch=fetch, feeds=feeds, poll=poll, index_url=index_url
    )
