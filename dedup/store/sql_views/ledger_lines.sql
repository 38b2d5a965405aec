-- Each copier's ledger, line by line: what happened to every origin paragraph (kept, edited,
-- rewritten, dropped) and every paragraph the copy added, with both texts and the word diff.
--
-- ledger_id            the ledger line (ledger_entries.id); ascending within a copy
-- story_id             the story (stories.id)
-- article_id           the copy (articles.id)
-- source               the copy's publisher (sources.name)
-- op                   kept | edited | rewritten | dropped | added | template
-- origin_paragraph_id  the origin's paragraph (paragraphs.id), if in the store
-- copy_paragraph_id    the copy's paragraph (paragraphs.id), if any
-- origin_text          the origin paragraph's text (reconstructed for an external origin)
-- copy_text            the copy paragraph's text
-- similarity           similarity of the two paragraphs, 0 to 1
-- moved                1 when the copy moved the paragraph
-- weight               share of the text this line contributes to the ledger figures
-- diff                 word diff as JSON: [[op, words], ...] with op one of = - +
-- rewrites             origin sentences the copy says in its own words, as JSON: [[origin, copy], ...]
CREATE VIEW ledger_lines AS
SELECT
    le.id AS ledger_id,
    le.story_id AS story_id,
    le.article_id AS article_id,
    s.name AS source,
    le.op AS op,
    le.origin_paragraph_id AS origin_paragraph_id,
    le.copy_paragraph_id AS copy_paragraph_id,
    COALESCE(le.origin_text, po.text) AS origin_text,
    pc.text AS copy_text,
    le.similarity AS similarity,
    le.moved AS moved,
    le.weight AS weight,
    le.diff AS diff,
    le.rewrites AS rewrites
FROM ledger_entries le
JOIN stories st ON st.id = le.story_id
JOIN articles a ON a.id = le.article_id
JOIN sources s ON s.id = a.source_id
LEFT JOIN paragraphs po ON po.id = le.origin_paragraph_id
LEFT JOIN paragraphs pc ON pc.id = le.copy_paragraph_id
WHERE st.status = 'active'
