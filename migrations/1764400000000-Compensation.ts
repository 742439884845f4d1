import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offers, claims, goodwill credits, a double-entry ledger, idempotency keys and the billing outbox.
 * The ledger's rules live in the database: every entry's lines sum to zero (a deferred constraint trigger
 * checks it at commit), and entries and lines cannot be updated or deleted (corrections are reversals).
 */
export class Compensation1764400000000 implements MigrationInterface {
  name = 'Compensation1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('goodwill_credit', 'offer_credit', 'reversal')),
        memo text NOT NULL,
        reverses_entry_id uuid UNIQUE REFERENCES ledger_entries(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'reversal') = (reverses_entry_id IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE ledger_lines (
        id bigserial PRIMARY KEY,
        entry_id uuid NOT NULL REFERENCES ledger_entries(id),
        account text NOT NULL CHECK (account ~ '^(customer|expense):'),
        amount_pence bigint NOT NULL CHECK (amount_pence <> 0)
      )`);
    await q.query(`CREATE INDEX ledger_lines_entry_idx ON ledger_lines (entry_id)`);
    await q.query(`CREATE INDEX ledger_lines_account_idx ON ledger_lines (account)`);
    // Checked at commit, once all of an entry's lines are in: at least two lines, summing to zero.
    await q.query(`
      CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE e uuid; total bigint; n int;
      BEGIN
        IF TG_TABLE_NAME = 'ledger_entries' THEN e := NEW.id; ELSE e := NEW.entry_id; END IF;
        SELECT coalesce(sum(amount_pence), 0), count(*) INTO total, n FROM ledger_lines WHERE entry_id = e;
        IF total <> 0 OR n < 2 THEN
          RAISE EXCEPTION 'ledger entry % does not balance (% lines, sum %)', e, n, total
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['ledger_entries', 'ledger_lines']) {
      await q.query(`
        CREATE CONSTRAINT TRIGGER ${table}_balanced AFTER INSERT ON ${table}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()`);
    }
    await q.query(`
      CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only (% refused); post a reversing entry instead', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['ledger_entries', 'ledger_lines']) {
      await q.query(`
        CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`);
    }

    await q.query(`
      CREATE TABLE offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('credit', 'sms_bundle', 'data', 'custom')),
        value int CHECK (value > 0),
        benefit text,
        eligibility text NOT NULL CHECK (eligibility IN ('all', 'list', 'analysis_run')),
        analysis_run_id uuid,
        claim_opens_at timestamptz NOT NULL,
        claim_closes_at timestamptz NOT NULL,
        mode text NOT NULL CHECK (mode IN ('claim', 'auto')),
        keyword text,
        template text NOT NULL DEFAULT 'compensation_offer',
        applied_at timestamptz,
        created_by uuid REFERENCES staff_users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (claim_closes_at > claim_opens_at),
        CHECK (kind = 'custom' OR value IS NOT NULL)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX offers_keyword_key ON offers (upper(keyword)) WHERE keyword IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE offer_eligible (
        offer_id uuid NOT NULL REFERENCES offers(id),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        PRIMARY KEY (offer_id, subscriber_id)
      )`);
    await q.query(`
      CREATE TABLE offer_claims (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        offer_id uuid NOT NULL REFERENCES offers(id),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        channel text NOT NULL CHECK (channel IN ('web', 'sms', 'auto')),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT offer_claims_once UNIQUE (offer_id, subscriber_id)
      )`);
    await q.query(`CREATE INDEX offer_claims_subscriber_idx ON offer_claims (subscriber_id)`);

    await q.query(`
      CREATE TABLE credits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id),
        amount_pence int NOT NULL CHECK (amount_pence > 0),
        source text NOT NULL CHECK (source IN ('goodwill', 'offer')),
        offer_id uuid REFERENCES offers(id),
        claim_id uuid UNIQUE REFERENCES offer_claims(id),
        reason_code text NOT NULL,
        note text,
        status text NOT NULL CHECK (status IN ('pending_approval', 'issued', 'rejected')),
        requested_by uuid REFERENCES staff_users(id),
        decided_by uuid REFERENCES staff_users(id),
        decided_at timestamptz,
        decision_note text,
        entry_id uuid UNIQUE REFERENCES ledger_entries(id),
        reversal_entry_id uuid UNIQUE REFERENCES ledger_entries(id),
        reversed_by uuid REFERENCES staff_users(id),
        reversal_reason text,
        reversed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'issued') = (entry_id IS NOT NULL)),
        CHECK ((source = 'offer') = (claim_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX credits_subscriber_day_idx ON credits (subscriber_id, created_at)`);
    await q.query(`CREATE INDEX credits_created_idx ON credits (created_at)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        owner uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'done')),
        response_status int,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);

    await q.query(`
      CREATE TABLE billing_outbox (
        id bigserial PRIMARY KEY,
        event_type text NOT NULL CHECK (event_type IN ('credit.issued', 'credit.reversed')),
        credit_id uuid NOT NULL REFERENCES credits(id),
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT billing_outbox_once UNIQUE (event_type, credit_id)
      )`);
    await q.query(`CREATE INDEX billing_outbox_pending_idx ON billing_outbox (id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX billing_outbox_created_idx ON billing_outbox (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE billing_outbox`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE credits`);
    await q.query(`DROP TABLE offer_claims`);
    await q.query(`DROP TABLE offer_eligible`);
    await q.query(`DROP TABLE offers`);
    await q.query(`DROP TABLE ledger_lines`);
    await q.query(`DROP TABLE ledger_entries`);
    await q.query(`DROP FUNCTION ledger_append_only()`);
    await q.query(`DROP FUNCTION ledger_entry_balanced()`);
  }
}
