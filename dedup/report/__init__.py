"""Report: what users and researchers read.

The typed report model, its queries, table/JSON/CSV/HTML renderers, exports and status; no click here."""
