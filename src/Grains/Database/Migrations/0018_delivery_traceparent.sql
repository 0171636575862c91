-- Observability (docs/observability.md): the W3C traceparent of the work that queued a delivery, so that the delivery,
-- made later by another grain and maybe on another silo, joins the trace of the check-in it carries. Null when
-- nothing was tracing at the time.
ALTER TABLE ap_deliveries ADD COLUMN traceparent text;
