import type { Db } from '@steward/db';
import { AppError } from '../errors.js';
import { acceptSignInGrants } from '../areas/organisations/bootstrap.js';

export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string;
  name: string;
  avatarUrl: string | null;
}

/**
 * Finds or creates the user behind an external identity. The identity is its (issuer, subject);
 * the email only names a new user, or links an identity to a user who has none from that
 * issuer yet (e.g. one invited by email). An email already bound to another account of the
 * same issuer is refused rather than taken over.
 */
export async function signInWithIdentity(db: Db, identity: VerifiedIdentity): Promise<string> {
  const email = identity.email.trim().toLowerCase();
  return db.transaction().execute(async (trx) => {
    const linked = await trx
      .selectFrom('oauth_accounts')
      .select('user_id')
      .where('issuer', '=', identity.issuer)
      .where('subject', '=', identity.subject)
      .executeTakeFirst();
    let userId = linked?.user_id;
    if (!userId) {
      const inserted = await trx
        .insertInto('users')
        .values({ email, name: identity.name || email.split('@')[0]!, avatar_url: identity.avatarUrl })
        .onConflict((oc) => oc.column('email').doUpdateSet({ email }))
        .returning('id')
        .executeTakeFirstOrThrow();
      userId = inserted.id;
      const otherAccount = await trx
        .selectFrom('oauth_accounts')
        .select('subject')
        .where('user_id', '=', userId)
        .where('issuer', '=', identity.issuer)
        .executeTakeFirst();
      if (otherAccount) {
        throw new AppError('CONFLICT', `${email} is already linked to a different account of this provider.`);
      }
      await trx
        .insertInto('oauth_accounts')
        .values({ issuer: identity.issuer, subject: identity.subject, user_id: userId, email })
        .execute();
    }
    await trx
      .updateTable('users')
      .set({ last_sign_in_at: new Date(), name: identity.name || undefined, avatar_url: identity.avatarUrl ?? undefined })
      .where('id', '=', userId)
      .execute();
    await acceptSignInGrants(trx, userId, email);
    return userId;
  });
}
