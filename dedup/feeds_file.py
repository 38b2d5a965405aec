"""Editing ``feeds.yml`` in place: add or remove a feed, keeping the user's comments and layout.

ruamel.yaml reads the file as a round-trip document (comments, order and quoting kept), the
change is made on it, and the result is validated by :func:`dedup.config.load_settings`
before it replaces the file, so a command never leaves a ``feeds.yml`` that dedup refuses.
The write goes through a temporary file renamed into place: whole or not at all.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from dedup.config import load_settings
from dedup.errors import ConfigError, NotFoundError

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

_NEW_FILE = """\
# The feeds `dedup poll` reads (see `dedup feeds --help`); comments here are kept.
feeds:
"""


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: comments and key order survive
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


def _load(path: Path) -> tuple[YAML, Any]:
    yaml = _yaml()
    text = path.read_text(encoding="utf-8") if path.exists() else _NEW_FILE
    try:
        doc = yaml.load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML; fix it by hand first ({exc})") from exc
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise ConfigError(f"{path}: expected a mapping with a 'feeds:' list at the top")
    if doc.get("feeds") is None:
        doc["feeds"] = CommentedSeq()
    if not isinstance(doc["feeds"], CommentedSeq):
        raise ConfigError(f"{path}: 'feeds' must be a list of feeds, each with name and url")
    return yaml, doc


def _save(path: Path, yaml: YAML, doc: Any) -> None:
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        load_settings(tmp)  # the same checks every command makes, before anything is replaced
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _move_trailing_comment(source: Any, target: Any) -> None:
    """Move the comment block after ``source``'s last key to after ``target``'s last key.

    ruamel.yaml hangs a comment that follows a list item (e.g. the example feed at the end of
    the bundled ``feeds.yml``) on the item's last key; removing or appending an item would
    otherwise delete it or bury it mid-list.
    """
    if not isinstance(source, CommentedMap) or not isinstance(target, CommentedMap):
        return
    if not source or not target:
        return
    token = source.ca.items.pop(list(source)[-1], None)
    if token is not None:
        target.ca.items[list(target)[-1]] = token


def feed_name(text: str) -> str:
    """A feed name (a source key) made from a title or host: lower case, ``-`` between words.

    >>> feed_name("The Équality Report!")
    'the-equality-report'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._").lower()
    return slug[:100] or "feed"


def add_feed(path: Path, name: str, url: str, site: str | None = None) -> None:
    """Append a feed to ``path`` (created when missing); a name already used is refused."""
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"feed name {name!r}: use letters, digits, '.', '_' or '-' (at most 100), "
            "e.g. --name example-news"
        )
    yaml, doc = _load(path)
    feeds = doc["feeds"]
    for entry in feeds:
        if isinstance(entry, dict) and entry.get("name") == name:
            raise ConfigError(f"{path} already has a feed named {name!r}; pick another --name")
        if isinstance(entry, dict) and entry.get("url") == url:
            raise ConfigError(f"{path} already polls {url} as {entry.get('name')!r}")
    entry = CommentedMap()
    entry["name"] = name
    if site:
        entry["site"] = site
    entry["url"] = url
    if len(feeds):
        _move_trailing_comment(feeds[-1], entry)
    feeds.append(entry)
    _save(path, yaml, doc)


def remove_feed(path: Path, name: str) -> None:
    """Take the feed ``name`` out of ``path``; its articles and history stay in the store."""
    if not path.exists():
        raise NotFoundError(f"{path}: no such file, so no feed {name!r} to remove")
    yaml, doc = _load(path)
    feeds = doc["feeds"]
    for index, entry in enumerate(feeds):
        if isinstance(entry, dict) and entry.get("name") == name:
            if index == len(feeds) - 1 and index > 0:
                _move_trailing_comment(entry, feeds[index - 1])
            del feeds[index]
            _save(path, yaml, doc)
            return
    known = ", ".join(str(e.get("name")) for e in feeds if isinstance(e, dict)) or "none"
    raise NotFoundError(f"{path} has no feed named {name!r}; its feeds: {known}")
