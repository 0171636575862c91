-- Streams use implicit-only pub-sub since this version (docs/adr/0004-fan-out-over-streams.md): no rendezvous grain
-- keeps producer or consumer lists any more. Their rows, one per stream ever used (one per user's home feed), are
-- dead weight in the grain storage table; remove them.
DELETE FROM orleans_storage WHERE grain_type ILIKE '%pubsub%';
