import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, IsNull } from 'typeorm';
import { StaffRole } from '../platform/http/principal';
import { StaffToken } from './staff-token.entity';
import { StaffUser } from './staff-user.entity';

export type TokenKind = 'session' | 'api_key';

/** A live token with what a principal needs of its user. */
export interface LiveToken {
  id: string;
  kind: TokenKind;
  scopes: string[];
  mfa: boolean;
  userId: string;
  role: StaffRole;
}

export interface NewToken {
  userId: string;
  kind: TokenKind;
  name: string | null;
  tokenHash: string;
  scopes: string[];
  mfa: boolean;
  expiresAt: Date | null;
}

/** The SQL of staff sessions and API keys (`staff_tokens`). */
@Injectable()
export class StaffTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(m: EntityManager, t: NewToken): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO staff_tokens (user_id, kind, name, token_hash, scopes, mfa, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [t.userId, t.kind, t.name, t.tokenHash, t.scopes, t.mfa, t.expiresAt],
    );
    return (row as { id: string }).id;
  }

  /**
   * The unrevoked, unexpired token with this hash whose user is active. `idleCutoff`: only a session used
   * (or made) after it.
   */
  async findLive(tokenHash: string, now: Date, idleCutoff?: Date): Promise<LiveToken | null> {
    const qb = this.db
      .getRepository(StaffToken)
      .createQueryBuilder('t')
      .innerJoin(StaffUser, 'u', 'u.id = t.user_id')
      .select([
        't.id AS id',
        't.kind AS kind',
        't.scopes AS scopes',
        't.mfa AS mfa',
        'u.id AS user_id',
        'u.role AS role',
      ])
      .where('t.token_hash = :h', { h: tokenHash })
      .andWhere('t.revoked_at IS NULL')
      .andWhere('(t.expires_at IS NULL OR t.expires_at > :now)', { now })
      .andWhere('u.active');
    if (idleCutoff)
      qb.andWhere("t.kind = 'session' AND coalesce(t.last_used_at, t.created_at) > :cutoff", {
        cutoff: idleCutoff,
      });
    const row = await qb.getRawOne<Omit<LiveToken, 'userId'> & { user_id: string }>();
    if (!row) return null;
    const { user_id: userId, ...rest } = row;
    return { ...rest, userId };
  }

  /** Moves a token's last use to `now`, at most once a minute (a conditional UPDATE). */
  async touch(id: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE staff_tokens SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, now],
    );
  }

  async markMfa(m: EntityManager, id: string): Promise<void> {
    await m.update(StaffToken, { id }, { mfa: true });
  }

  /** Revokes the matching unrevoked tokens at `now`; answers how many. */
  async revoke(m: EntityManager, where: FindOptionsWhere<StaffToken>, now: Date): Promise<number> {
    const res = await m.update(StaffToken, { ...where, revokedAt: IsNull() }, { revokedAt: now });
    return res.affected ?? 0;
  }

  listApiKeys(): Promise<StaffToken[]> {
    return this.db
      .getRepository(StaffToken)
      .find({ where: { kind: 'api_key' }, order: { createdAt: 'DESC' } });
  }
}
