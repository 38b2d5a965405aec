"""Ingest: the network seam and the readers of feeds and archives.

Fetching with deadlines, size caps and a fetch policy; feed parsing; the poller; archive importers."""
