"""Ingest: the network seam (HTTP with deadlines, size caps, fetch policy) and feed parsing.

The poller that reads ``feeds.yml``; importers of archives (text, HTML, JSON lines, Reuters).
"""
