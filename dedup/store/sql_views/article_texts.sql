-- Every article with its publisher and the text of its current version.
--
-- article_id   the article (articles.id)
-- key          its identity: canonical URL, feed GUID or import id
-- source       its publisher (sources.name)
-- site         the publisher's display name
-- domain       the publisher's host
-- title        title of the current version
-- author       author as the feed gives it
-- url          canonical URL, tracking parameters dropped
-- published    publication time as the source claims it (UTC)
-- first_seen   when dedup first stored it (UTC)
-- version      number of the current version (1 for the first text seen)
-- full_text    1 for the full text, 0 when only a feed summary was available
-- words        words in the current version's body paragraphs
-- text         the current version's clean text, paragraphs separated by blank lines
CREATE VIEW article_texts AS
SELECT
    a.id AS article_id,
    a.key AS key,
    s.name AS source,
    s.display_name AS site,
    s.domain AS domain,
    COALESCE(v.title, a.title) AS title,
    a.author AS author,
    a.url AS url,
    a.published AS published,
    a.first_seen AS first_seen,
    v.number AS version,
    v.full_text AS full_text,
    (SELECT SUM(pg.words) FROM paragraphs pg
      WHERE pg.version_id = v.id AND pg.kind = 'body') AS words,
    v.text AS text
FROM articles a
JOIN sources s ON s.id = a.source_id
LEFT JOIN article_versions v ON v.id = a.current_version_id
