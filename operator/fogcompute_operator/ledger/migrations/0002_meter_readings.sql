-- The EdgeDevice harvest CPU counter as each compute reward saw it. A Stake's reward for an
-- epoch is written with the reading it was computed from (status.harvestCpuSeconds in
-- micro-cpu-seconds, what it credited, and on which basis) in the same transaction, so the next
-- settlement's delta starts exactly where the last paid one stopped: a crash before the commit
-- leaves neither, a replayed reward adds no second reading (it joins its reward's entry).
-- Append-only like the entries.
CREATE TABLE ledger_meter_readings (
    stake_uid       TEXT NOT NULL REFERENCES ledger_stakes (uid),
    epoch           BIGINT NOT NULL CHECK (epoch >= 0),
    entry_id        BIGINT NOT NULL UNIQUE REFERENCES ledger_entries (id),
    counter_micros  BIGINT CHECK (counter_micros >= 0),  -- NULL: the device reported none
    credited_micros BIGINT NOT NULL CHECK (credited_micros >= 0),
    basis           TEXT NOT NULL CHECK (basis IN
                      ('baseline', 'measured', 'capped', 'reset', 'estimated')),
    PRIMARY KEY (stake_uid, epoch),
    CONSTRAINT ledger_meter_readings_counter_when_measured
        CHECK (basis = 'estimated' OR counter_micros IS NOT NULL)
);
CREATE TRIGGER ledger_meter_readings_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_meter_readings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
