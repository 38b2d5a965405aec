-- Every reused passage: a pair of paragraphs of two articles found to share text, with both
-- articles, their sites, the similarity and the kind of reuse. Side a holds the lower
-- paragraph id; it is not necessarily the earlier article.
--
-- passage_id    the passage (passages.id)
-- kind          reuse | quote | template
-- similarity    Jaccard similarity of the two paragraphs' word shingles, 0 to 1
-- containment   share of the smaller paragraph's shingles found in the other, 0 to 1
-- story_id      the active story holding both articles, if any
-- article_a     first article (articles.id)
-- source_a      its publisher (sources.name)
-- title_a       its title
-- url_a         its canonical URL
-- published_a   its publication time (UTC)
-- paragraph_a   the paragraph of article_a (paragraphs.id)
-- position_a    0-based position of that paragraph in its article
-- text_a        the paragraph's text as published
-- article_b     second article (articles.id)
-- source_b      its publisher (sources.name)
-- title_b       its title
-- url_b         its canonical URL
-- published_b   its publication time (UTC)
-- paragraph_b   the paragraph of article_b (paragraphs.id)
-- position_b    0-based position of that paragraph in its article
-- text_b        the paragraph's text as published
-- found_at      when dedup linked the two paragraphs (UTC)
CREATE VIEW reused_passages AS
SELECT
    p.id AS passage_id,
    p.kind AS kind,
    p.similarity AS similarity,
    p.containment AS containment,
    (SELECT MIN(ma.story_id)
       FROM story_members ma
       JOIN story_members mb ON mb.story_id = ma.story_id
       JOIN stories st ON st.id = ma.story_id
      WHERE ma.article_id = p.article_a AND mb.article_id = p.article_b
        AND st.status = 'active') AS story_id,
    aa.id AS article_a,
    sa.name AS source_a,
    aa.title AS title_a,
    aa.url AS url_a,
    aa.published AS published_a,
    pa.id AS paragraph_a,
    pa.position AS position_a,
    pa.text AS text_a,
    ab.id AS article_b,
    sb.name AS source_b,
    ab.title AS title_b,
    ab.url AS url_b,
    ab.published AS published_b,
    pb.id AS paragraph_b,
    pb.position AS position_b,
    pb.text AS text_b,
    p.created_at AS found_at
FROM passages p
JOIN paragraphs pa ON pa.id = p.paragraph_a
JOIN paragraphs pb ON pb.id = p.paragraph_b
JOIN articles aa ON aa.id = p.article_a
JOIN articles ab ON ab.id = p.article_b
JOIN sources sa ON sa.id = aa.source_id
JOIN sources sb ON sb.id = ab.source_id
