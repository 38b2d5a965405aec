from __future__ import annotations

from dedup.stories.cluster import ClusterParams, Edge, assign_ids, cluster_articles


def _words(*ids: int, size: int = 400) -> dict[int, int]:
    return dict.fromkeys(ids, size)


def test_a_linked_pair_is_a_story_and_lone_articles_are_not() -> None:
    stories = cluster_articles(_words(1, 2, 3), [Edge(1, 2, 120)])
    assert stories == [frozenset({1, 2})]


def test_small_or_tiny_share_links_make_no_story() -> None:
    assert cluster_articles(_words(1, 2), [Edge(1, 2, 8)]) == []  # under min words
    assert cluster_articles(_words(1, 2, size=2000), [Edge(1, 2, 40)]) == []  # 2% of each


def test_a_chain_of_strong_links_through_an_external_origin_holds() -> None:
    # The seeds' shape: 001 - 003 = 002 - 004; 003 and 002 share a lot, the ends one paragraph.
    words = {1: 330, 3: 220, 2: 550, 4: 320}
    edges = [Edge(1, 3, 30), Edge(3, 2, 150), Edge(2, 4, 75)]
    assert cluster_articles(words, edges) == [frozenset({1, 2, 3, 4})]


def test_two_stories_joined_by_one_weak_link_are_cut_apart() -> None:
    story_a = [Edge(1, 2, 300), Edge(1, 3, 250), Edge(2, 3, 240)]
    story_b = [Edge(4, 5, 300), Edge(4, 6, 260), Edge(5, 6, 250)]
    bridge = Edge(3, 4, 30)  # a mislabelled shared quote: 30 of 400 words
    stories = cluster_articles(_words(1, 2, 3, 4, 5, 6), [*story_a, *story_b, bridge])
    assert stories == [frozenset({1, 2, 3}), frozenset({4, 5, 6})]


def test_an_article_tied_weakly_to_a_whole_other_story_stays_with_its_own() -> None:
    story_a = [Edge(1, 2, 300), Edge(1, 3, 250), Edge(2, 3, 240)]
    story_b = [Edge(4, 5, 300), Edge(4, 6, 260), Edge(5, 6, 250)]
    # article 3 carries a footer every member of story b also carries
    weak = [Edge(3, 4, 25), Edge(3, 5, 25), Edge(3, 6, 25)]
    stories = cluster_articles(_words(*range(1, 7)), [*story_a, *story_b, *weak])
    assert stories == [frozenset({1, 2, 3}), frozenset({4, 5, 6})]


def test_a_strong_joint_between_groups_is_kept() -> None:
    edges = [Edge(1, 2, 300), Edge(1, 3, 250), Edge(3, 4, 200), Edge(4, 5, 300), Edge(4, 6, 260)]
    assert cluster_articles(_words(*range(1, 7)), edges) == [frozenset(range(1, 7))]


def test_parameters_are_honoured() -> None:
    edges = [Edge(1, 2, 30)]
    assert cluster_articles(_words(1, 2), edges, ClusterParams(min_shared_words=40)) == []
    assert cluster_articles(_words(1, 2), edges, ClusterParams(min_shared_words=10)) == [
        frozenset({1, 2})
    ]


def test_ids_stay_when_a_story_grows() -> None:
    plan = assign_ids({7: frozenset({1, 2})}, [frozenset({1, 2, 3})])
    (lineage,) = plan.lineages
    assert lineage.story_id == 7 and lineage.added == {3} and not lineage.removed
    assert plan.gone == () and not plan.merged


def test_merge_keeps_the_larger_overlap_and_records_the_other() -> None:
    plan = assign_ids({7: frozenset({1, 2, 3}), 9: frozenset({4, 5})}, [frozenset({1, 2, 3, 4, 5})])
    (lineage,) = plan.lineages
    assert lineage.story_id == 7 and lineage.merged_from == (9,)
    assert plan.merged == {9: 0}


def test_split_keeps_the_id_for_the_larger_part() -> None:
    plan = assign_ids({7: frozenset({1, 2, 3, 4, 5})}, [frozenset({1, 2}), frozenset({3, 4, 5})])
    first, second = plan.lineages
    assert second.story_id == 7 and second.removed == {1, 2}
    assert first.story_id is None and first.split_from == 7


def test_new_and_gone_stories() -> None:
    plan = assign_ids({7: frozenset({1, 2})}, [frozenset({3, 4})])
    (lineage,) = plan.lineages
    assert lineage.story_id is None and lineage.split_from is None
    assert plan.gone == (7,)


def _para_edge(a: int, b: int, shared: float, a_paras: set[int], b_paras: set[int]) -> Edge:
    return Edge(a, b, shared, frozenset(a_paras), frozenset(b_paras))


def test_a_roundup_of_unrelated_briefs_makes_one_story_per_brief() -> None:
    # article 9 reprints briefs 1, 2 and 3 whole, each in its own paragraphs
    words = {9: 400, 1: 100, 2: 120, 3: 90}
    edges = [
        _para_edge(9, 1, 95, {90}, {10}),
        _para_edge(9, 2, 110, {91, 92}, {20, 21}),
        _para_edge(9, 3, 85, {93}, {30}),
    ]
    vocab = {
        1: frozenset({"wheat", "harvest", "farmers"}),
        2: frozenset({"bonds", "yield"}),
        3: frozenset({"airline", "strike", "pilots"}),
        9: frozenset({"digest"}),
    }
    assert cluster_articles(words, edges, vocab=vocab) == [
        frozenset({1, 9}),
        frozenset({2, 9}),
        frozenset({3, 9}),
    ]
    # without vocabularies nothing is split
    assert cluster_articles(words, edges) == [frozenset({1, 2, 3, 9})]


def test_partial_copies_of_one_story_are_no_roundup() -> None:
    # the seeds' shape: 001 keeps one paragraph of 003 amid its own text, on the same topic
    words = {1: 330, 3: 220, 2: 550, 4: 320}
    edges = [
        _para_edge(1, 3, 30, {10}, {30}),
        _para_edge(3, 2, 150, {31, 32, 33}, {20, 21, 22}),
        _para_edge(2, 4, 75, {23}, {40}),
    ]
    topic = frozenset({"chechnya", "visas", "russia", "network", "zakharova"})
    vocab = {n: topic | {f"own{n}"} for n in words}
    assert cluster_articles(words, edges, vocab=vocab) == [frozenset({1, 2, 3, 4})]
    # briefs on one topic reprinted side by side stay one story too
    words = {9: 400, 1: 100, 2: 120}
    edges = [_para_edge(9, 1, 95, {90}, {10}), _para_edge(9, 2, 110, {91}, {20})]
    assert cluster_articles(words, edges, vocab={n: topic for n in words}) == [frozenset({1, 2, 9})]


def test_the_union_find_is_scipys_public_class() -> None:
    # dedup imports it from scipy's private module to skip scipy.cluster's start-up cost; a
    # scipy release that moves or replaces it must fail here, not change the stories.
    from scipy.cluster.hierarchy import DisjointSet as public

    from dedup.stories.disjoint import DisjointSet

    assert DisjointSet is public


def test_components_are_scipy_s_connected_components_in_the_same_order() -> None:
    """The union-find components match scipy.sparse.csgraph's on random sparse graphs, group
    for group and in order (the order fixes which story a tie goes to)."""
    import random

    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from dedup.stories.cluster import _components

    rng = random.Random(5)
    for _ in range(20):
        nodes = rng.sample(range(1000), 120)
        pairs = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(rng.randrange(0, 150))]
        index = {n: i for i, n in enumerate(nodes)}
        rows = [index[a] for a, _ in pairs]
        cols = [index[b] for _, b in pairs]
        graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes),) * 2)
        count, labels = connected_components(graph.tocsr(), directed=False)
        expected: list[list[int]] = [[] for _ in range(count)]
        for node, label in zip(nodes, labels, strict=True):
            expected[int(label)].append(node)
        assert _components(nodes, pairs) == [sorted(g) for g in expected]
