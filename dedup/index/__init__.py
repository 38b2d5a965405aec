"""Index: MinHash fingerprints and the persistent paragraph index.

Band index backends behind one interface, verified passages, and the incremental analysis.
"""
