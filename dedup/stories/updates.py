"""An outlet's own earlier text beside the origin: said, since "copy" reads as copying.

When an outlet runs a story twice (a wire's first take and its fuller update, an archive of
one source), the origin is the member that holds the shared text, and it may be the later one:
the outlet's earlier, shorter story is then listed as a copy that "dropped" what the update
added. That is an update, not a copier at work, and the story's evidence says so.
Pure: the decision's origin and the members' outlets and clocks in, one line out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime


def earlier_versions(
    origin: int | None,
    members: Sequence[int],
    outlet: Mapping[int, str],
    published: Mapping[int, datetime | None],
) -> str | None:
    """The evidence line for members of the origin's outlet published before it, if any.

    >>> from datetime import datetime as d
    >>> line = earlier_versions(
    ...     2, [1, 2], {1: "wire", 2: "wire"}, {1: d(2024, 1, 1, 7), 2: d(2024, 1, 1, 8)}
    ... )
    >>> line.split(":")[0], "article 1 of wire came out before the origin" in line
    ('update', True)
    """
    when = published.get(origin) if origin is not None else None
    if origin is None or when is None:
        return None
    earlier = [
        m
        for m in members
        if m != origin
        and outlet.get(m) == outlet.get(origin)
        and (stamp := published.get(m)) is not None
        and stamp < when
    ]
    if not earlier:
        return None
    one = len(earlier) == 1
    return (
        f"update: {'article' if one else 'articles'} {', '.join(map(str, earlier))} of "
        f"{outlet[origin]} came out before the origin: the outlet's own earlier text, which "
        f"the origin takes up again, not {'a copy' if one else 'copies'} of it"
    )
