"""dedup: a duplicate and syndication detector for news feeds."""

__version__ = "0.1.0"
