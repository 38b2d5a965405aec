-- The articles of each active story, one row per story and article: the article's role and its
-- ledger figures against the story's origin (shares of the origin's text, 0 to 1).
--
-- story_id           the story (stories.id)
-- origin_name        publisher named as the story's origin
-- origin_external    1 when the origin is credited by the copies but not in the store
-- confidence         confidence in the origin, 0 to 1
-- article_id         the article (articles.id)
-- role               origin | copy
-- source             the article's publisher (sources.name)
-- site               the publisher's display name
-- title              title of the article's current version
-- url                canonical URL of the article
-- published          publication time as the source claims it (UTC)
-- first_seen         when dedup first stored the article (UTC)
-- shared_paragraphs  paragraphs the article shares with the origin
-- kept               share of the origin's text kept word for word
-- edited             share of the origin's text kept with edits
-- dropped            share of the origin's text left out
-- added              share of the article's own text not from the origin
-- moved              origin paragraphs the article reordered
-- headline_changed   1 when the article's headline differs from the origin's
-- credit             credit line found in the copy, if any
CREATE VIEW story_articles AS
SELECT
    st.id AS story_id,
    st.origin_name AS origin_name,
    st.origin_external AS origin_external,
    st.confidence AS confidence,
    a.id AS article_id,
    sm.role AS role,
    s.name AS source,
    s.display_name AS site,
    a.title AS title,
    a.url AS url,
    a.published AS published,
    a.first_seen AS first_seen,
    sm.shared_paragraphs AS shared_paragraphs,
    sm.kept AS kept,
    sm.edited AS edited,
    sm.dropped AS dropped,
    sm.added AS added,
    sm.moved AS moved,
    sm.headline_changed AS headline_changed,
    sm.credit AS credit
FROM story_members sm
JOIN stories st ON st.id = sm.story_id
JOIN articles a ON a.id = sm.article_id
JOIN sources s ON s.id = a.source_id
WHERE st.status = 'active'
