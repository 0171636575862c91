-- Photos on check-ins (docs/adr/0017-media-pipeline.md).

-- The PostgreSQL blob store: the re-encoded images, content-addressed. The key is "<sha256 of content, hex>.<ext>",
-- so the same bytes are stored once and a key never changes meaning (which is what makes the served URL cacheable
-- forever). Behind IBlobStore: an S3-compatible bucket can replace this table without touching the media table.
CREATE TABLE media_blobs
(
    key          text        COLLATE "C" PRIMARY KEY,
    content_type text        NOT NULL,
    content      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- JPEG and PNG are compressed already: skip TOAST's compression attempt, keep out-of-line storage.
ALTER TABLE media_blobs ALTER COLUMN content SET STORAGE EXTERNAL;

-- One uploaded photo: who uploaded it, its alt text and what clients need to lay it out before loading it.
CREATE TABLE media
(
    id          text        COLLATE "C" PRIMARY KEY,
    owner       text        NOT NULL,
    type        text        NOT NULL DEFAULT 'image',
    description text        NULL,
    blurhash    text        NOT NULL,
    width       integer     NOT NULL,
    height      integer     NOT NULL,
    display_key text        COLLATE "C" NOT NULL,
    preview_key text        COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- NULL until a check-in of the owner takes it (at most one); set back to NULL when that check-in is deleted.
    checkin_id  text        COLLATE "C" NULL
);

-- The periodic clean-up: unattached media older than the lifetime, oldest first.
CREATE INDEX media_unattached_created_at ON media (created_at) WHERE checkin_id IS NULL;
-- Detaching a deleted check-in's media.
CREATE INDEX media_checkin_id ON media (checkin_id) WHERE checkin_id IS NOT NULL;
-- "Does any media row still reference this blob?" before a blob is deleted.
CREATE INDEX media_display_key ON media (display_key);
CREATE INDEX media_preview_key ON media (preview_key);
