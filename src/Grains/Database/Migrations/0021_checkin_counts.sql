-- An author's grain activates in a constant number of index lookups, however long the author's history.
-- Before, it counted the author's live check-ins (count(*) over its rows: one heap page per check-in, since rows of
-- many authors interleave — 12–40 ms for 1,400 check-ins, more under load, growing without bound) and scanned them
-- all for held ones.

-- Live check-ins per author and visibility, kept by the statements that insert or delete check-ins (CheckinStore),
-- in their own transaction. Partition key: author, like checkins.
CREATE TABLE checkin_counts
(
    author     text     NOT NULL,
    visibility smallint NOT NULL,
    live       bigint   NOT NULL,
    PRIMARY KEY (author, visibility)
);
INSERT INTO checkin_counts (author, visibility, live)
SELECT author, visibility, count(*) FROM checkins WHERE deleted_at IS NULL GROUP BY author, visibility;

-- Held (post later: until the author's next check-in, or until publish_at) check-ins of an author, without reading
-- the rest. Small: only check-ins posted for later are in them.
CREATE INDEX checkins_held ON checkins (author) WHERE deleted_at IS NULL AND held_until_next;
CREATE INDEX checkins_scheduled ON checkins (author, publish_at) WHERE deleted_at IS NULL AND publish_at IS NOT NULL;

-- An author's events waiting in the outbox (its grain's activation, the sweeper's resume). checkins_outbox leads with
-- outbox_due for the sweeper's oldest-first scan, so by author alone it read every pending event of every author.
CREATE INDEX checkins_outbox_author ON checkins (author) WHERE outbox_due IS NOT NULL;
