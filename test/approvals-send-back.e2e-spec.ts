import { ApprovalRemindersService } from '../src/approvals/approval-reminders.service';
import { Clock } from '../src/platform/clock/clock';
import { SinkMail, SmtpSink } from '../src/sandbox/smtp-sink';
import { startTestApp, TestApp } from './helpers/app';
import { createCsvCampaign } from './helpers/campaigns';
import { count, staffTokens } from './helpers/staff';

/** Send back with a comment, reject with a reason (issue 15): updates, campaigns, offers, text changes. */
describe('approvals: send back and reject', () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let ids: Record<string, string>;
  /** A second supervisor and admin: two deciders who may race each other. */
  let other: Record<string, string>;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const post = (path: string, token: string, body?: object) =>
    t
      .http()
      .post(path)
      .set(as(token))
      .send(body ?? {});

  beforeAll(async () => {
    t = await startTestApp();
    ({ tokens, ids } = await staffTokens(t));
    ({ tokens: other } = await staffTokens(t, ['supervisor', 'admin']));
  });
  afterAll(() => t?.close());

  async function incidentWithDraft(approverRoles?: string[]) {
    const id = (
      await post('/incidents', tokens.comms, {
        title: 'Gateway leak',
        impact: 'critical',
        detectedAt: t.get<Clock>(Clock).now().toISOString(),
      }).expect(201)
    ).body.id as string;
    if (approverRoles)
      await t.http().patch(`/incidents/${id}`).set(as(tokens.supervisor)).send({ approverRoles }).expect(200);
    const update = (
      await post(`/incidents/${id}/updates`, tokens.comms, { body: 'We are looking into it.' }).expect(201)
    ).body;
    return { id, updateId: update.id as string };
  }

  const inbox = async (token: string) =>
    (await t.http().get('/approvals').set(as(token)).expect(200)).body as Array<{ kind: string; id: string }>;
  const returned = async (token: string) =>
    (await t.http().get('/approvals/returned').set(as(token)).expect(200)).body as Array<{
      kind: string;
      id: string;
      outcome: string;
      comment: string;
    }>;

  describe('an update', () => {
    it('is sent back with a comment: out of the inbox, shown to its author, resubmitted by an edit, then approved', async () => {
      const { id, updateId } = await incidentWithDraft();
      expect((await inbox(tokens.supervisor)).map((i) => i.id)).toContain(updateId);
      const sentAt = t.get<Clock>(Clock).now();
      const back = await post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.supervisor, {
        comment: '  Please say when the fix is expected.  ',
      }).expect(200);
      expect(back.body).toMatchObject({
        status: 'returned',
        returnedComment: 'Please say when the fix is expected.',
        returnedBy: ids.supervisor,
      });
      expect(new Date(back.body.returnedAt).getTime()).toBeGreaterThanOrEqual(sentAt.getTime());
      // out of the deciders' inbox, in its author's "sent back to you" list, on the incident's timeline
      expect((await inbox(tokens.supervisor)).map((i) => i.id)).not.toContain(updateId);
      expect(await returned(tokens.comms)).toContainEqual(
        expect.objectContaining({
          kind: 'update',
          id: updateId,
          outcome: 'sent_back',
          comment: 'Please say when the fix is expected.',
        }),
      );
      expect(await returned(tokens.supervisor)).toEqual([]);
      const detail = (await t.http().get(`/incidents/${id}`).set(as(tokens.support)).expect(200)).body;
      expect(detail.updates[0]).toMatchObject({ status: 'returned', returnedComment: expect.any(String) });
      // a returned update cannot be approved (nor sent back again) before its author resubmits it
      const early = await post(`/incidents/${id}/updates/${updateId}/approve`, tokens.supervisor).expect(409);
      expect(early.body.message).toMatch(/cannot approve an update that is returned/);
      await post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.supervisor, {
        comment: 'again',
      }).expect(409);
      // the author edits: resubmitted, the comment cleared, back in the inbox
      const edited = await t
        .http()
        .patch(`/incidents/${id}/updates/${updateId}`)
        .set(as(tokens.comms))
        .send({ body: 'We are looking into it. A fix is expected by 14:00.' })
        .expect(200);
      expect(edited.body).toMatchObject({ status: 'draft', returnedComment: null, returnedAt: null });
      expect((await inbox(tokens.supervisor)).map((i) => i.id)).toContain(updateId);
      expect((await returned(tokens.comms)).map((r) => r.id)).not.toContain(updateId);
      await post(`/incidents/${id}/updates/${updateId}/approve`, tokens.supervisor).expect(200);
      // each step audited, the comment with the send-back
      const [audit] = await t.db.query(
        `SELECT actor_id, summary FROM audit_events WHERE target_id = $1 AND action = 'incident.update.send_back'`,
        [updateId],
      );
      expect(audit).toMatchObject({
        actor_id: ids.supervisor,
        summary: { comment: 'Please say when the fix is expected.', author: ids.comms },
      });
      expect(
        (
          await t.db.query(
            `SELECT summary FROM audit_events WHERE target_id = $1 AND action = 'incident.update.edit'`,
            [updateId],
          )
        )[0].summary,
      ).toMatchObject({ resubmitted: true });
    });

    it('refuses its author (even a supervisor), a role the incident does not name, and a missing comment', async () => {
      const { id, updateId } = await incidentWithDraft();
      const own = await post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.comms, {
        comment: 'mine',
      }).expect(403);
      expect(own.body.message).toMatch(/someone other than its author/);
      const mine = (
        await post(`/incidents/${id}/updates`, tokens.supervisor, { body: 'Supervisor text.' }).expect(201)
      ).body.id;
      await post(`/incidents/${id}/updates/${mine}/send-back`, tokens.supervisor, { comment: 'x' }).expect(
        403,
      );
      // admin is not among this incident's approver roles (supervisor)
      await post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.admin, { comment: 'x' }).expect(
        403,
      );
      for (const body of [{}, { comment: '' }, { comment: '   ' }, { comment: 'x'.repeat(501) }]) {
        const bad = await post(
          `/incidents/${id}/updates/${updateId}/send-back`,
          tokens.supervisor,
          body,
        ).expect(400);
        expect(bad.body.details).toEqual([
          {
            field: 'comment',
            messages: expect.arrayContaining(['comment must be 1 to 500 characters (say what to change)']),
          },
        ]);
      }
      const [u] = await t.db.query(`SELECT status FROM incident_updates WHERE id = $1`, [updateId]);
      expect(u.status).toBe('draft');
      // the support role has no route to it at all
      await post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.support, { comment: 'x' }).expect(
        403,
      );
    });

    it('a send-back racing an approval: exactly one wins', async () => {
      for (let i = 0; i < 3; i++) {
        const { id, updateId } = await incidentWithDraft(['supervisor', 'admin']);
        const results = await Promise.all([
          post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.supervisor, { comment: 'No.' }),
          post(`/incidents/${id}/updates/${updateId}/approve`, tokens.admin),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const [u] = await t.db.query(
          `SELECT status, approved_by, returned_by FROM incident_updates WHERE id = $1`,
          [updateId],
        );
        expect(
          u.status === 'approved'
            ? u.returned_by === null
            : u.status === 'returned' && u.approved_by === null,
        ).toBe(true);
      }
    });
  });

  describe('a campaign', () => {
    it('is sent back with a comment: stays a draft, leaves the inbox, cannot be approved until its author edits it', async () => {
      const cid = await createCsvCampaign(t, tokens.comms, 'back', 'email');
      await post(`/campaigns/${cid}/send-back`, tokens.supervisor, {}).expect(400);
      const back = await post(`/campaigns/${cid}/send-back`, tokens.supervisor, {
        comment: 'Add the Welsh text.',
      }).expect(200);
      expect(back.body).toMatchObject({ status: 'draft', returnedComment: 'Add the Welsh text.' });
      expect((await inbox(tokens.supervisor)).map((i) => i.id)).not.toContain(cid);
      expect(await returned(tokens.comms)).toContainEqual(
        expect.objectContaining({ kind: 'campaign', id: cid, comment: 'Add the Welsh text.' }),
      );
      const refused = await post(`/campaigns/${cid}/approve`, tokens.supervisor).expect(409);
      expect(refused.body.message).toMatch(/sent back to its author/);
      await t
        .http()
        .patch(`/campaigns/${cid}`)
        .set(as(tokens.comms))
        .send({ name: 'Notice back v2' })
        .expect(200);
      const c = (await t.http().get(`/campaigns/${cid}`).set(as(tokens.comms)).expect(200)).body;
      expect(c.returnedComment).toBeNull();
      expect((await inbox(tokens.supervisor)).map((i) => i.id)).toContain(cid);
      await post(`/campaigns/${cid}/approve`, tokens.supervisor).expect(200);
      expect(
        await count(
          t.db,
          `SELECT count(*) n FROM audit_events WHERE target_id = $1 AND action = 'campaign.send_back'`,
          [cid],
        ),
      ).toBe(1);
    });

    it('refuses its author and comms, and a send-back racing an approval has one winner', async () => {
      const mine = await createCsvCampaign(t, tokens.supervisor, 'mine', 'email');
      const own = await post(`/campaigns/${mine}/send-back`, tokens.supervisor, { comment: 'x' }).expect(403);
      expect(own.body.message).toMatch(/someone other than its author/);
      const cid = await createCsvCampaign(t, tokens.comms, 'race', 'email');
      await post(`/campaigns/${cid}/send-back`, tokens.comms, { comment: 'x' }).expect(403);
      const results = await Promise.all([
        post(`/campaigns/${cid}/send-back`, tokens.supervisor, { comment: 'No.' }),
        post(`/campaigns/${cid}/approve`, tokens.admin),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const [c] = await t.db.query(`SELECT status, returned_at FROM campaigns WHERE id = $1`, [cid]);
      expect(c.status === 'approved' ? c.returned_at === null : c.returned_at !== null).toBe(true);
    });
  });

  describe('an offer awaiting approval', () => {
    async function pendingOffer(token: string, name: string) {
      const offer = (
        await post('/compensation/offers', token, {
          name,
          kind: 'credit',
          value: 1000,
          eligibility: 'all',
          mode: 'auto',
          claimClosesAt: new Date(t.get<Clock>(Clock).now().getTime() + 86_400_000).toISOString(),
        }).expect(201)
      ).body;
      expect(offer.approvalStatus).toBe('pending');
      return offer.id as string;
    }

    it('is rejected with a reason, for good: stored, shown to its author, never applied or approved', async () => {
      const oid = await pendingOffer(tokens.supervisor, 'Sorry for the leak');
      await post(`/compensation/offers/${oid}/reject`, tokens.supervisor, { reason: 'mine' }).expect(403);
      const bad = await post(`/compensation/offers/${oid}/reject`, tokens.admin, { reason: '' }).expect(400);
      expect(bad.body.details).toEqual([
        { field: 'reason', messages: ['reason must be 1 to 500 characters (say why)'] },
      ]);
      const missing = await post(`/compensation/offers/${oid}/reject`, tokens.admin, {}).expect(400);
      expect(missing.body.details[0]).toMatchObject({
        field: 'reason',
        messages: expect.arrayContaining(['reason is required']),
      });
      const r = await post(`/compensation/offers/${oid}/reject`, tokens.admin, {
        reason: 'Above this quarter’s budget.',
      }).expect(200);
      expect(r.body).toMatchObject({
        approvalStatus: 'rejected',
        rejectedReason: 'Above this quarter’s budget.',
      });
      expect((await inbox(tokens.admin)).map((i) => i.id)).not.toContain(oid);
      expect(await returned(tokens.supervisor)).toContainEqual(
        expect.objectContaining({ kind: 'offer', id: oid, outcome: 'rejected' }),
      );
      // final: neither approved nor rejected again, no list upload
      await post(`/compensation/offers/${oid}/approve`, tokens.admin).expect(409);
      await post(`/compensation/offers/${oid}/reject`, tokens.admin, { reason: 'again' }).expect(409);
      expect(await count(t.db, `SELECT count(*) n FROM offer_claims WHERE offer_id = $1`, [oid])).toBe(0);
      expect(
        await count(
          t.db,
          `SELECT count(*) n FROM audit_events WHERE target_id = $1 AND action = 'offer.reject'`,
          [oid],
        ),
      ).toBe(1);
    });

    it('a rejection racing an approval: exactly one wins', async () => {
      const oid = await pendingOffer(tokens.supervisor, 'Race');
      const results = await Promise.all([
        post(`/compensation/offers/${oid}/reject`, tokens.admin, { reason: 'No.' }),
        post(`/compensation/offers/${oid}/approve`, other.supervisor),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const [o] = await t.db.query(
        `SELECT approval_status, approved_by, rejected_by FROM offers WHERE id = $1`,
        [oid],
      );
      expect(o.approval_status === 'approved' ? o.rejected_by === null : o.approved_by === null).toBe(true);
    });
  });

  describe('an incident text change', () => {
    async function publicIncidentWithChange() {
      const { id, updateId } = await incidentWithDraft(['supervisor', 'admin']);
      await post(`/incidents/${id}/updates/${updateId}/approve`, tokens.supervisor).expect(200);
      await post(`/incidents/${id}/updates/${updateId}/publish`, tokens.comms).expect(200);
      const change = (
        await post(`/incidents/${id}/text-changes`, tokens.comms, { title: 'Gateway exposure' }).expect(201)
      ).body;
      return { id, changeId: change.id as string };
    }

    it('is rejected with a reason by a second person; only its author may discard it', async () => {
      const { id, changeId } = await publicIncidentWithChange();
      expect(await inbox(tokens.supervisor)).toContainEqual(
        expect.objectContaining({ kind: 'text_change', id: changeId }),
      );
      await post(`/incidents/${id}/text-changes/${changeId}/reject`, tokens.comms, { reason: 'mine' }).expect(
        403,
      );
      await post(`/incidents/${id}/text-changes/${changeId}/discard`, tokens.supervisor).expect(403);
      const bad = await post(
        `/incidents/${id}/text-changes/${changeId}/reject`,
        tokens.supervisor,
        {},
      ).expect(400);
      expect(bad.body.details[0].field).toBe('reason');
      const r = await post(`/incidents/${id}/text-changes/${changeId}/reject`, tokens.supervisor, {
        reason: 'Keep the word leak: it is what happened.',
      }).expect(200);
      expect(r.body).toMatchObject({
        status: 'rejected',
        rejectedReason: 'Keep the word leak: it is what happened.',
      });
      const detail = (await t.http().get(`/incidents/${id}`).set(as(tokens.comms)).expect(200)).body;
      expect(detail.title).toBe('Gateway leak');
      expect(detail.textChanges[0]).toMatchObject({ status: 'rejected', rejectedReason: expect.any(String) });
      expect(await returned(tokens.comms)).toContainEqual(
        expect.objectContaining({ kind: 'text_change', id: changeId, outcome: 'rejected' }),
      );
      await post(`/incidents/${id}/text-changes/${changeId}/approve`, tokens.supervisor).expect(409);

      const second = (
        await post(`/incidents/${id}/text-changes`, tokens.comms, { title: 'Second try' }).expect(201)
      ).body.id;
      await post(`/incidents/${id}/text-changes/${second}/discard`, tokens.comms).expect(200);
    });

    it('a rejection racing an approval: exactly one wins', async () => {
      const { id, changeId } = await publicIncidentWithChange();
      const results = await Promise.all([
        post(`/incidents/${id}/text-changes/${changeId}/reject`, tokens.supervisor, { reason: 'No.' }),
        post(`/incidents/${id}/text-changes/${changeId}/approve`, tokens.admin),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    });
  });

  it('previews what subscribers get for an update being drafted, in English and Welsh, saving nothing', async () => {
    const { id } = await incidentWithDraft();
    const before = await count(t.db, `SELECT count(*) n FROM incident_updates WHERE incident_id = $1`, [id]);
    const res = await post(`/incidents/${id}/subscriber-preview`, tokens.comms, {
      body: 'We have found the cause.',
      bodyCy: 'Rydym wedi dod o hyd i’r achos.',
      incidentStatus: 'identified',
      nextUpdateBy: new Date(t.get<Clock>(Clock).now().getTime() + 3_600_000).toISOString(),
    }).expect(200);
    const [en, cy] = res.body;
    expect(en.locale).toBe('en');
    expect(en.sms.text).toMatch(/^Gateway leak: /);
    expect(en.sms).toMatchObject({ encoding: 'GSM-7', segments: expect.any(Number) });
    expect(en.sms.segments).toBeGreaterThanOrEqual(1);
    expect(en.email.subject).toMatch(/^Gateway leak: /);
    expect(en.email.text).toContain('We have found the cause.');
    expect(en.email.text).toMatch(/Next update by /);
    expect(cy.locale).toBe('cy');
    expect(cy.email.text).toContain('Rydym wedi dod o hyd i’r achos.');
    expect(cy.email.subject).not.toBe(en.email.subject); // the Welsh status label
    // a Welsh circumflex (outside GSM-7) in the title makes the SMS UCS-2: shown before anyone sends it
    await t
      .http()
      .patch(`/incidents/${id}`)
      .set(as(tokens.comms))
      .send({ titleCy: 'Gollyngiad ŵ' })
      .expect(200);
    const welsh = await post(`/incidents/${id}/subscriber-preview`, tokens.comms, {
      body: 'x',
      incidentStatus: 'identified',
    }).expect(200);
    expect(welsh.body[1].sms.encoding).toBe('UCS-2');
    expect(welsh.body[1].email.text).toContain('x'); // no Welsh text: Welsh readers get the English
    const bad = await post(`/incidents/${id}/subscriber-preview`, tokens.comms, {
      incidentStatus: 'nope',
    }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'body',
      'incidentStatus',
    ]);
    await post(`/incidents/${id}/subscriber-preview`, tokens.support, {
      body: 'x',
      incidentStatus: 'identified',
    }).expect(403);
    expect(await count(t.db, `SELECT count(*) n FROM incident_updates WHERE incident_id = $1`, [id])).toBe(
      before,
    );
  });

  it('emails each author once per decision, with the comment and a link to the console', async () => {
    const { id, updateId } = await incidentWithDraft();
    await post(`/incidents/${id}/updates/${updateId}/send-back`, tokens.supervisor, {
      comment: 'Name the services affected.',
    }).expect(200);
    const notices = t.get<ApprovalRemindersService>(ApprovalRemindersService);
    await notices.notifyReturned();
    await notices.notifyReturned(); // once
    const [author] = await t.db.query(`SELECT email FROM staff_users WHERE id = $1`, [ids.comms]);
    const rows = await t.db.query(
      `SELECT to_address, channel FROM messages WHERE kind = 'approval-returned' AND dedupe_key LIKE $1`,
      [`approval-returned:update:${updateId}:%`],
    );
    expect(rows).toEqual([{ to_address: author.email, channel: 'email' }]);
    const sink = t.get<SmtpSink>(SmtpSink);
    const mine = (m: SinkMail) =>
      m.envelopeTo.includes(author.email) && /sent back to you/.test(m.parsed.subject ?? '');
    await sink.messages.waitFor((all) => all.some(mine), 15_000, 'the sent-back email to the author');
    const mail = sink.messages.all.find(mine)!;
    expect(mail.parsed.subject).toBe('Update to “Gateway leak”: sent back to you');
    expect(String(mail.parsed.text)).toContain('Name the services affected.');
    expect(String(mail.parsed.text)).toContain(`${t.env.PUBLIC_BASE_URL}/console/incidents/${id}`);
  });
});
