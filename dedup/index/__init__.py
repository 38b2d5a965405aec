"""Index: fingerprints and the persistent paragraph index.

MinHash signatures, the band index backends behind one interface, verified passages, the incremental analysis."""
