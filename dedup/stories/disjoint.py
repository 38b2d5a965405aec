"""scipy's union-find, imported without scipy.cluster.

``scipy.cluster.hierarchy.DisjointSet`` is defined in a private module; importing the public
path also imports scipy.spatial and scipy.linalg, half a second of every run's start-up and of
every worker's. The private path is taken when it is there, the public one when a scipy release
moves it (the class is the same either way: ``tests/test_cluster.py`` checks it).
"""

from __future__ import annotations

try:
    from scipy._lib._disjoint_set import DisjointSet
except ImportError:  # pragma: no cover - a scipy that moved its private module
    from scipy.cluster.hierarchy import DisjointSet

__all__ = ["DisjointSet"]
