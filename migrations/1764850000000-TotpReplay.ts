import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 18 (TOTP limits): the last accepted authenticator time step per staff user, so a code is good once
 * (a conditional UPDATE accepts only a later step). Secrets become sealed (AES-GCM under SECRETS_KEY) in the
 * application; a secret stored in plain text before this release is sealed at its owner's next sign-in.
 */
export class TotpReplay1764850000000 implements MigrationInterface {
  name = 'TotpReplay1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_users ADD COLUMN totp_last_step bigint NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_users DROP COLUMN totp_last_step`);
  }
}
