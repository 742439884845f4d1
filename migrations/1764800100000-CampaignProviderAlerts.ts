import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The provider refusals (carrier filtering, the account) comms were alerted about, once per campaign and code:
 * a refusal that comes back after the campaign finished (a delivery callback) can no longer pause it, but the
 * people who own it still hear of it, once however many of its messages were refused.
 */
export class CampaignProviderAlerts1764800100000 implements MigrationInterface {
  name = 'CampaignProviderAlerts1764800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE campaign_provider_alerts (
         campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
         code text NOT NULL,
         alerted_at timestamptz NOT NULL,
         PRIMARY KEY (campaign_id, code))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_provider_alerts`);
  }
}
