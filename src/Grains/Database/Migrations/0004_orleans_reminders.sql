-- Durable reminders for Orleans' ADO.NET reminder service. Each silo reads the reminders whose grain hash falls
-- in its slice of the consistent-hash ring (ReadRangeRows1: a plain range; ReadRangeRows2: a range that wraps).
CREATE TABLE orleans_reminders
(
    service_id    varchar(150)   NOT NULL,
    grain_id      varchar(150)   NOT NULL,
    reminder_name varchar(150)   NOT NULL,
    start_time    timestamptz(3) NOT NULL,
    period        bigint         NOT NULL,
    grain_hash    integer        NOT NULL,
    version       integer        NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX ix_orleans_reminders_hash ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
    INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
       SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash,
           version = orleans_reminders.version + 1
    RETURNING version AS Version;
$q$),

('ReadReminderRowsKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
           version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId;
$q$),

('ReadReminderRowKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
           version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
$q$),

('ReadRangeRows1Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
           version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
$q$),

('ReadRangeRows2Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period,
           version AS Version
      FROM orleans_reminders
     WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
$q$),

('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM orleans_reminders
         WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
           AND version = @Version
        RETURNING 1)
    SELECT count(*)::int FROM deleted;
$q$),

('DeleteReminderRowsKey', $q$
    DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
