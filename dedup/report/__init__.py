"""Report: what users and researchers read.

Report queries and its typed model, table/JSON/CSV/HTML renderers, exports and status; no click.
"""
