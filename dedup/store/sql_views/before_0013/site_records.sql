-- Each site's record as an origin and as a copier, over active stories: how often it published
-- first and was copied, how often it copied, and what it did with the text it copied.
--
-- source_id          the site (sources.id)
-- source             its stable key (sources.name)
-- site               its display name
-- domain             its host
-- articles           articles stored from it
-- stories_as_origin  stories whose origin is one of its articles
-- copies_received    copies of those stories by other articles
-- stories_as_copier  stories in which one of its articles is a copy
-- avg_kept           mean share of the origin's text its copies kept word for word
-- avg_edited         mean share of the origin's text its copies kept with edits
-- avg_dropped        mean share of the origin's text its copies left out
-- avg_added          mean share of its copies' own text not from the origin
-- credited_copies    its copies that carry a credit line
CREATE VIEW site_records AS
SELECT
    s.id AS source_id,
    s.name AS source,
    s.display_name AS site,
    s.domain AS domain,
    COALESCE(na.articles, 0) AS articles,
    COALESCE(o.stories, 0) AS stories_as_origin,
    COALESCE(o.copies, 0) AS copies_received,
    COALESCE(c.stories, 0) AS stories_as_copier,
    c.avg_kept AS avg_kept,
    c.avg_edited AS avg_edited,
    c.avg_dropped AS avg_dropped,
    c.avg_added AS avg_added,
    COALESCE(c.credited, 0) AS credited_copies
FROM sources s
LEFT JOIN (
    SELECT source_id, COUNT(*) AS articles FROM articles GROUP BY source_id
) na ON na.source_id = s.id
LEFT JOIN (
    SELECT a.source_id AS source_id,
           COUNT(DISTINCT st.id) AS stories,
           COUNT(cp.article_id) AS copies
      FROM stories st
      JOIN articles a ON a.id = st.origin_article_id
      LEFT JOIN story_members cp ON cp.story_id = st.id AND cp.role = 'copy'
     WHERE st.status = 'active'
     GROUP BY a.source_id
) o ON o.source_id = s.id
LEFT JOIN (
    SELECT a.source_id AS source_id,
           COUNT(DISTINCT sm.story_id) AS stories,
           AVG(sm.kept) AS avg_kept,
           AVG(sm.edited) AS avg_edited,
           AVG(sm.dropped) AS avg_dropped,
           AVG(sm.added) AS avg_added,
           SUM(CASE WHEN sm.credit IS NOT NULL THEN 1 ELSE 0 END) AS credited
      FROM story_members sm
      JOIN stories st ON st.id = sm.story_id
      JOIN articles a ON a.id = sm.article_id
     WHERE sm.role = 'copy' AND st.status = 'active'
     GROUP BY a.source_id
) c ON c.source_id = s.id
