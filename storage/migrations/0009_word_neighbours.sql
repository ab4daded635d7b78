-- Words of Russian (from the Navec embeddings) near the knowledge base's own words: a
-- question's word the knowledge base doesn't contain finds its near-synonyms here
-- (storage/neighbours.py). Rebuilt when the content changes; `revision` is the content
-- revision the rows were computed for (one value for all rows).
CREATE TABLE word_neighbours (
    word      TEXT PRIMARY KEY,
    terms     TEXT NOT NULL,            -- "lemma:similarity lemma:similarity", best first
    revision  TEXT NOT NULL
) WITHOUT ROWID;
