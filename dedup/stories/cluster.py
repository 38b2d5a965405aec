"""Passage graph -> stories, resisting chains, with story ids that stay stable across runs.

Pure: article sizes and weighted article pairs in, groups of article ids out.

Connected components alone chain unrelated stories: one shared footer, quote or mislabelled
boilerplate between two articles is enough to glue two stories together. So:

1. an article pair is linked only by *reused* text (the caller leaves template and quote
   passages out) of at least ``min_shared_words`` words and ``min_share`` of the smaller
   article;
2. components are taken (union-find);
3. a component is then cut where it hangs together only through a weak joint: for every
   articulation article ``v`` (an article whose removal splits the component), a part of the
   remainder holding two or more articles stays attached to ``v`` only if some link between
   ``v`` and that part carries ``joint_share`` of the smaller article's text. A single article
   hanging off a story (a copy that kept one paragraph) stays: the weak-joint test applies to
   joints between groups, which is where chaining happens. The cut repeats until stable.
4. a *roundup* (a digest that reprints several unrelated briefs) joins stories through text
   it holds side by side: at an articulation article ``v`` whose parts each reach different
   paragraphs of ``v`` (three or more parts, parts all reprinted nearly whole in ``v``, or
   parts of which ``v`` holds only a piece each, as a digest holds two stories' leads), parts
   are grouped by shared vocabulary, and each group that shares little with the others
   becomes a story of its own with ``v`` in each. So an article may belong to more than one
   story; copies of one story that kept different paragraphs share its topic and stay one.

Stable ids (:func:`assign_ids`): each new group keeps the id of the previous story it
overlaps most (largest overlaps first, one id per group); a previous story whose articles went
into a group that kept another id was *merged*; a group overlapping only stories whose ids
were taken *split* off; previous stories overlapping nothing are *gone*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dedup.stories.disjoint import DisjointSet


@dataclass(frozen=True)
class Edge:
    """Reused text shared by two articles, in words."""

    a: int
    b: int
    shared_words: float
    a_paragraphs: frozenset[int] = frozenset()  # a's paragraphs holding the shared text
    b_paragraphs: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ClusterParams:
    min_shared_words: float = 12.0
    min_share: float = 0.03
    joint_share: float = 0.12
    max_rounds: int = 10
    roundup_contained: float = 0.5  # share of a part's article found in the hub
    roundup_topic: float = 0.3  # vocabulary overlap under which parts are unrelated


def _share(edge: Edge, words: Mapping[int, int]) -> float:
    smaller = min(words.get(edge.a, 0), words.get(edge.b, 0))
    return edge.shared_words / smaller if smaller > 0 else 0.0


def _pair(key: frozenset[int]) -> tuple[int, int]:
    a, b = sorted(key)
    return a, b


def _components(nodes: list[int], pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``nodes`` under ``pairs``, each sorted, in the order of their
    first node in ``nodes``."""
    # Union-find, not scipy.sparse.csgraph: the graph is built in Python either way, and
    # csgraph costs a fifth of a second to import on the main process's critical path.
    linked: DisjointSet[int] = DisjointSet(nodes)
    for a, b in pairs:
        linked.merge(a, b)
    groups: dict[int, list[int]] = {}  # by root, in the order each group's first node comes
    for node in nodes:
        groups.setdefault(linked[node], []).append(node)
    return [sorted(g) for g in groups.values()]


def _articulation_points(adj: Mapping[int, set[int]], nodes: Sequence[int]) -> list[int]:
    """Articulation points of the graph on ``nodes`` (iterative Tarjan)."""
    disc: dict[int, int] = {}
    low: dict[int, int] = {}
    points: set[int] = set()
    counter = 0
    for root in nodes:
        if root in disc:
            continue
        disc[root] = low[root] = counter
        counter += 1
        root_children = 0
        stack: list[tuple[int, int | None, list[int]]] = [(root, None, sorted(adj[root]))]
        while stack:
            node, parent, todo = stack[-1]
            if todo:
                nxt = todo.pop()
                if nxt == parent:
                    continue
                if nxt in disc:
                    low[node] = min(low[node], disc[nxt])
                    continue
                disc[nxt] = low[nxt] = counter
                counter += 1
                if node == root:
                    root_children += 1
                stack.append((nxt, node, sorted(adj[nxt])))
                continue
            stack.pop()
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                if parent != root and low[node] >= disc[parent]:
                    points.add(parent)
        if root_children > 1:
            points.add(root)
    return sorted(points)


def _parts_without(adj: Mapping[int, set[int]], nodes: Sequence[int], cut: int) -> list[set[int]]:
    seen: set[int] = {cut}
    parts: list[set[int]] = []
    for start in nodes:
        if start in seen:
            continue
        part = {start}
        seen.add(start)
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for nxt in adj[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    part.add(nxt)
                    frontier.append(nxt)
        parts.append(part)
    return parts


def _weak_joints(
    nodes: list[int],
    adj: Mapping[int, set[int]],
    strength: Mapping[frozenset[int], float],
    joint_share: float,
) -> set[frozenset[int]]:
    """Links to drop: those tying an article to a multi-article part only weakly."""
    drop: set[frozenset[int]] = set()
    for v in _articulation_points(adj, nodes):
        parts = _parts_without(adj, nodes, v)
        ties = []
        for part in parts:
            best = max(strength[frozenset((v, u))] for u in adj[v] if u in part)
            ties.append((best, part))
        anchor = max(range(len(ties)), key=lambda i: ties[i][0])  # v stays with its best part
        for index, (best, part) in enumerate(ties):
            if index != anchor and len(part) >= 2 and best < joint_share:
                drop |= {frozenset((v, u)) for u in adj[v] if u in part}
    return drop


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _split_roundups(
    groups: list[frozenset[int]],
    words: Mapping[int, int],
    kept: Mapping[frozenset[int], Edge],
    vocab: Mapping[int, frozenset[str]],
    params: ClusterParams,
) -> list[frozenset[int]]:
    """Groups with every roundup hub's parts made stories of their own (hub in each)."""
    done: list[frozenset[int]] = []
    todo = list(groups)
    while todo:
        group = todo.pop()
        parts = _roundup_parts(group, words, kept, vocab, params) if len(group) >= 3 else None
        if parts is None:
            done.append(group)
        else:
            todo.extend(parts)
    return sorted(set(done), key=lambda g: (min(g), sorted(g)))


def _roundup_parts(
    group: frozenset[int],
    words: Mapping[int, int],
    kept: Mapping[frozenset[int], Edge],
    vocab: Mapping[int, frozenset[str]],
    params: ClusterParams,
) -> list[frozenset[int]] | None:
    nodes = sorted(group)
    adj: dict[int, set[int]] = {n: set() for n in nodes}
    for key in kept:
        a, b = _pair(key)
        if a in group and b in group:
            adj[a].add(b)
            adj[b].add(a)
    for hub in _articulation_points(adj, nodes):
        parts = _parts_without(adj, nodes, hub)
        reached: list[set[int]] = []
        contained = partial = True
        for part in parts:
            paragraphs: set[int] = set()
            best = 0.0
            for u in adj[hub] & part:
                edge = kept[frozenset((hub, u))]
                paragraphs |= edge.a_paragraphs if edge.a == hub else edge.b_paragraphs
                best = max(best, edge.shared_words / max(1, words.get(u, 0)))
            reached.append(paragraphs)
            contained = contained and best >= params.roundup_contained
            partial = partial and best < params.roundup_contained
        disjoint = all(reached) and sum(map(len, reached)) == len(set().union(*reached))
        # Two parts could be a copy that kept some of the hub's paragraphs and a copy of the
        # copy's own text: then one part is held nearly whole in the hub and the other only
        # in part. Three or more side by side, parts all reprinted whole in the hub, or parts
        # of which the hub holds only a piece each (the leads a digest strings together),
        # make a digest.
        if not disjoint or not (contained or partial or len(parts) >= 3):
            continue
        topics = _topic_groups(parts, vocab, params.roundup_topic)
        if len(topics) >= 2:
            return [frozenset(topic | {hub}) for topic in topics]
    return None


def _topic_groups(
    parts: list[set[int]], vocab: Mapping[int, frozenset[str]], threshold: float
) -> list[set[int]]:
    """Parts joined when their vocabularies overlap: briefs on one topic stay one story."""
    texts = [frozenset().union(*(vocab.get(u, frozenset()) for u in part)) for part in parts]
    if not all(texts):
        return [set().union(*parts)]
    joined: DisjointSet[int] = DisjointSet(range(len(parts)))
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            if _overlap(texts[i], texts[j]) >= threshold:
                joined.merge(i, j)
    # In order of each group's first part, as before: the caller's story order follows it.
    return [
        set().union(*(parts[k] for k in group))
        for group in sorted((sorted(g) for g in joined.subsets()), key=lambda g: g[0])
    ]


def cluster_articles(
    words: Mapping[int, int],
    edges: Iterable[Edge],
    params: ClusterParams | None = None,
    vocab: Mapping[int, frozenset[str]] | None = None,
) -> list[frozenset[int]]:
    """Stories (two or more articles each) from article sizes and reused-text links.

    ``vocab`` (each article's content words) lets roundups be told from stories; without it
    no roundup is split. Returned sorted by smallest article id, so the output is
    deterministic.
    """
    params = params or ClusterParams()
    strength: dict[frozenset[int], float] = {}
    kept: dict[frozenset[int], Edge] = {}
    for edge in edges:
        if edge.a == edge.b:
            continue
        share = _share(edge, words)
        if edge.shared_words < params.min_shared_words or share < params.min_share:
            continue
        key = frozenset((edge.a, edge.b))
        if share > strength.get(key, -1.0):
            strength[key] = share
            kept[key] = edge
    nodes = sorted({n for key in strength for n in key})
    if not nodes:
        return []
    result: list[frozenset[int]] = []
    components = _components(nodes, (_pair(k) for k in strength))
    component_of = {n: i for i, comp in enumerate(components) for n in comp}
    by_component: list[dict[frozenset[int], float]] = [{} for _ in components]
    for key, share in strength.items():
        by_component[component_of[next(iter(key))]][key] = share
    for component, live in zip(components, by_component, strict=True):
        if len(component) < 4:  # no joint to weigh: two or three articles hang together
            result.append(frozenset(component))
            continue
        pending = [component]
        for _ in range(params.max_rounds):
            adj: dict[int, set[int]] = {n: set() for n in component}
            for key in live:
                a, b = sorted(key)
                adj[a].add(b)
                adj[b].add(a)
            drop: set[frozenset[int]] = set()
            for group in pending:
                if len(group) >= 4:
                    drop |= _weak_joints(group, adj, live, params.joint_share)
            if not drop:
                break
            for key in drop:
                live.pop(key, None)
            linked = sorted({n for key in live for n in key})
            pending = _components(linked, (_pair(k) for k in live)) if linked else []
        result.extend(frozenset(g) for g in pending if len(g) >= 2)
    if vocab is not None:
        return _split_roundups(result, words, kept, vocab, params)
    return sorted(result, key=min)


@dataclass(frozen=True)
class Lineage:
    """Where a new story comes from, relative to the previous stories."""

    cluster: int  # index into the new clusters
    story_id: int | None  # previous id kept; None means a new id is needed
    added: frozenset[int]
    removed: frozenset[int]
    merged_from: tuple[int, ...] = ()  # previous stories folded into this one
    split_from: int | None = None  # previous story this one split off from


@dataclass(frozen=True)
class IdPlan:
    lineages: tuple[Lineage, ...]
    merged: Mapping[int, int] = field(default_factory=dict)  # previous id -> cluster index
    gone: tuple[int, ...] = ()


def assign_ids(
    previous: Mapping[int, frozenset[int]], clusters: Sequence[frozenset[int]]
) -> IdPlan:
    """Match new clusters to previous stories by article overlap (largest overlap first)."""
    overlaps = sorted(
        (
            (-len(members & old), story_id, k)
            for k, members in enumerate(clusters)
            for story_id, old in previous.items()
            if members & old
        ),
    )
    owner: dict[int, int] = {}  # cluster -> previous id kept
    used: set[int] = set()
    for _neg, story_id, k in overlaps:
        if k not in owner and story_id not in used:
            owner[k] = story_id
            used.add(story_id)
    merged: dict[int, int] = {}
    for _neg, story_id, k in overlaps:
        if story_id not in used and story_id not in merged and k in owner:
            merged[story_id] = k
    lineages = []
    for k, members in enumerate(clusters):
        kept = owner.get(k)
        if kept is not None:
            old = previous[kept]
            lineages.append(
                Lineage(
                    k,
                    kept,
                    members - old,
                    old - members,
                    merged_from=tuple(sorted(s for s, target in merged.items() if target == k)),
                )
            )
            continue
        split_from = next((s for neg, s, ck in overlaps if ck == k), None)
        lineages.append(Lineage(k, None, members, frozenset(), split_from=split_from))
    touched = used | set(merged) | {ln.split_from for ln in lineages if ln.split_from is not None}
    gone = tuple(sorted(s for s in previous if s not in touched))
    return IdPlan(tuple(lineages), merged, gone)
