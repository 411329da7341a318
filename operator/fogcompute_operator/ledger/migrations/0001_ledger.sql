-- The double-entry ledger: accounts, append-only hash-chained entries, postings, stake positions.
-- Amounts are integers of base units. Every rule that keeps the books honest is enforced here,
-- in the database, so a bug in Python (or a raw SQL session) cannot break it:
--   * an entry's postings sum to zero (deferred constraint trigger, checked at commit);
--   * no account but the mint goes below zero; the mint only issues, the burn only receives;
--   * postings to the bonded and unbonding pools name a stake, and no stake goes below zero;
--   * entries and postings are append-only; postings join only entries of their own transaction;
--     balances and stake positions change only through postings.
-- Postings carry their account's kind (checked against the account) so the sign rules are plain
-- CHECK constraints; references are checked once per statement by the trigger, not per row.

CREATE TABLE ledger_accounts (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL CHECK (kind IN
              ('staker', 'bonded', 'unbonding', 'rewards', 'escrow', 'slashed', 'mint', 'burn')),
    balance BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT ledger_accounts_name_matches_kind
        CHECK ((kind = 'staker') = (name LIKE 'staker:%')),
    CONSTRAINT ledger_accounts_no_negative_balance CHECK (balance >= 0 OR kind = 'mint'),
    CONSTRAINT ledger_accounts_mint_only_issues CHECK (kind <> 'mint' OR balance <= 0),
    CONSTRAINT ledger_accounts_id_kind UNIQUE (id, kind)
);

INSERT INTO ledger_accounts (name, kind) VALUES
    ('pool:bonded', 'bonded'),
    ('pool:unbonding', 'unbonding'),
    ('pool:rewards', 'rewards'),
    ('pool:escrow', 'escrow'),
    ('system:slashed', 'slashed'),
    ('system:mint', 'mint'),
    ('system:burn', 'burn');

CREATE TABLE ledger_entries (
    id           BIGINT PRIMARY KEY CHECK (id > 0),
    resource_uid TEXT NOT NULL CHECK (length(resource_uid) BETWEEN 1 AND 253),
    action       TEXT NOT NULL CHECK (action ~ '^[a-z][a-z_]{0,31}$'),
    epoch        BIGINT NOT NULL CHECK (epoch >= 0),
    memo         TEXT NOT NULL DEFAULT '',
    prev_hash    BYTEA NOT NULL CHECK (length(prev_hash) = 32),
    hash         BYTEA NOT NULL CHECK (length(hash) = 32),
    recorded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ledger_entries_one_per_action UNIQUE (resource_uid, action, epoch)
);

CREATE TABLE ledger_stakes (
    uid       TEXT PRIMARY KEY,
    staker_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
    bonded    BIGINT NOT NULL DEFAULT 0 CHECK (bonded >= 0),
    unbonding BIGINT NOT NULL DEFAULT 0 CHECK (unbonding >= 0)
);

CREATE TABLE ledger_postings (
    entry_id   BIGINT NOT NULL,
    seq        SMALLINT NOT NULL CHECK (seq >= 0),
    account_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    stake_uid  TEXT,
    amount     BIGINT NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (entry_id, seq),
    CONSTRAINT ledger_postings_mint_only_issues CHECK (kind <> 'mint' OR amount < 0),
    CONSTRAINT ledger_postings_burn_only_receives CHECK (kind <> 'burn' OR amount > 0),
    CONSTRAINT ledger_postings_pools_name_a_stake
        CHECK ((kind IN ('bonded', 'unbonding')) = (stake_uid IS NOT NULL))
);

-- The head of the hash chain: one row, updated by every writing transaction, which also makes
-- concurrent writers conflict (and retry) instead of forking the chain.
CREATE TABLE ledger_chain_head (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    entry_id  BIGINT NOT NULL,
    hash      BYTEA NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO ledger_chain_head (entry_id, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- Once per statement (COPY included): postings join entries of this transaction only, name
-- existing accounts of the kind they claim and existing stakes; balances and positions follow.
CREATE FUNCTION ledger_apply_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad BIGINT;
    groups INT;
    matched INT;
BEGIN
    SELECT p.entry_id INTO bad FROM inserted p LEFT JOIN ledger_entries e ON e.id = p.entry_id
     WHERE e.id IS NULL OR e.xmin <> pg_current_xact_id()::xid LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger posting to entry % refused: postings are written with their '
            'entry, in the same transaction, never added later', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT count(*) INTO groups FROM (SELECT DISTINCT account_id, kind FROM inserted) g;
    UPDATE ledger_accounts a SET balance = a.balance + d.delta
      FROM (SELECT account_id, kind, sum(amount)::BIGINT AS delta
              FROM inserted GROUP BY account_id, kind) d
     WHERE a.id = d.account_id AND a.kind = d.kind;
    GET DIAGNOSTICS matched = ROW_COUNT;
    IF matched <> groups THEN
        RAISE EXCEPTION 'ledger postings name % (account, kind) pairs but only % exist',
            groups, matched USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT count(DISTINCT stake_uid) INTO groups FROM inserted WHERE stake_uid IS NOT NULL;
    IF groups > 0 THEN
        UPDATE ledger_stakes s
           SET bonded = s.bonded + d.bonded, unbonding = s.unbonding + d.unbonding
          FROM (SELECT stake_uid,
                       sum(CASE WHEN kind = 'bonded' THEN amount ELSE 0 END)::BIGINT AS bonded,
                       sum(CASE WHEN kind = 'unbonding' THEN amount ELSE 0 END)::BIGINT AS unbonding
                  FROM inserted WHERE stake_uid IS NOT NULL GROUP BY stake_uid) d
         WHERE s.uid = d.stake_uid;
        GET DIAGNOSTICS matched = ROW_COUNT;
        IF matched <> groups THEN
            RAISE EXCEPTION 'ledger postings name % stakes but only % exist', groups, matched
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings();

-- Every entry's postings sum to zero, and no entry has a lone posting; checked at commit, once
-- per entry, whoever inserted the rows (postings can only join entries of their transaction).
CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total NUMERIC;
    n INT;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, n
      FROM ledger_postings WHERE entry_id = NEW.id;
    IF total <> 0 OR n = 1 THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced: its % postings sum to %, not 0',
            NEW.id, n, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

-- Append-only history.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_accounts_kept BEFORE UPDATE OF id, name, kind OR DELETE OR TRUNCATE
    ON ledger_accounts FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_stakes_kept BEFORE UPDATE OF uid, staker_id OR DELETE OR TRUNCATE
    ON ledger_stakes FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Balances and positions change only from the postings trigger: a direct UPDATE runs at trigger
-- depth 0 (the WHEN clause keeps the normal path free of a function call per row).
CREATE FUNCTION ledger_refuse_direct_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger table %: balances change only through postings', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_accounts_balance_guard BEFORE UPDATE OF balance ON ledger_accounts
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION ledger_refuse_direct_balance();
CREATE TRIGGER ledger_stakes_position_guard BEFORE UPDATE OF bonded, unbonding ON ledger_stakes
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION ledger_refuse_direct_balance();

-- New accounts and stakes start empty.
CREATE FUNCTION ledger_account_starts_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.balance <> 0 THEN
        RAISE EXCEPTION 'ledger account % must start at 0; fund it with postings', NEW.name
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_accounts_start_empty BEFORE INSERT ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_starts_empty();

CREATE FUNCTION ledger_stake_starts_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.bonded <> 0 OR NEW.unbonding <> 0 THEN
        RAISE EXCEPTION 'ledger stake % must start at 0; bond it with postings', NEW.uid
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_stakes_start_empty BEFORE INSERT ON ledger_stakes
    FOR EACH ROW EXECUTE FUNCTION ledger_stake_starts_empty();
