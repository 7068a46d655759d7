import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMailApis, type FakeSmtp, type FakeTwilio, startFakeMailApis, startFakeSmtp, startFakeTwilio, useStewardApp } from '@steward/test-kit';
import { receiveInboundMessage } from '../conversations/inbound.js';

/**
 * Channels against local stand-ins: a real SMTP server (smtp-server) for the handshake and login,
 * a Twilio API stand-in reached through the twilio package's HTTP client, and oauth2-mock-server
 * for Gmail and Outlook.
 */

const env: Record<string, string> = {};
let smtp: FakeSmtp;
let twilio: FakeTwilio;
let mailApis: FakeMailApis;
beforeAll(async () => {
  [smtp, twilio, mailApis] = await Promise.all([startFakeSmtp(), startFakeTwilio(), startFakeMailApis()]);
  Object.assign(env, twilio.env(), mailApis.env());
});
afterAll(async () => {
  await Promise.all([smtp?.close(), twilio?.close(), mailApis?.close()]);
});
const steward = useStewardApp({ workers: false, organisation: 'Acme', oauthProviders: ['gmail', 'outlook'], env });

interface Channel {
  id: string;
  kind: string;
  name: string;
  address: string;
  status: string;
  failureReason: string | null;
  failingSince: string | null;
  secretMask: string | null;
  settings: Record<string, unknown>;
  connection: { account: string | null; scopes: string[]; status: string } | null;
  inboundWebhookUrl: string | null;
}

const call = <T>(procedure: string, input: Record<string, unknown> = {}, kind: 'query' | 'mutation' = 'mutation') =>
  steward.org.admin.agent.trpc<T>(procedure, { workspaceId: steward.org.chapterWorkspaceId, ...input }, kind);
const list = async () => (await call<{ channels: Channel[]; oauthProviders: { id: string }[] }>('channels.list', {}, 'query')).data;

describe('SMTP channel', () => {
  const smtpInput = () => ({ name: 'Support mail', address: 'support@acme.example', host: smtp.host, port: smtp.port, tlsMode: 'none', username: smtp.credentials.username, password: smtp.credentials.password });

  it('stores the password sealed and shows it masked; "test connection" logs in to the SMTP server', async () => {
    const created = await call<Channel>('channels.createSmtp', smtpInput());
    expect(created.error, created.text).toBeNull();
    expect(created.data).toMatchObject({ kind: 'smtp', status: 'active', secretMask: `••••${smtp.credentials.password.slice(-4)}`, settings: { host: smtp.host, port: smtp.port, tlsMode: 'none' } });
    expect(created.text).not.toContain(smtp.credentials.password);
    const rows = await steward.db.selectFrom('channels').selectAll().where('id', '=', created.data.id).execute();
    expect(JSON.stringify(rows)).not.toContain(smtp.credentials.password);

    const tested = await call<{ ok: boolean; message: string }>('channels.test', { channelId: created.data.id });
    expect(tested.data).toMatchObject({ ok: true, message: expect.stringContaining('accepted the login') });
    expect(smtp.logins.at(-1)).toEqual({ username: smtp.credentials.username, accepted: true });
  });

  it('a password that stops working shows the channel as failing, why and since when, until it is fixed', async () => {
    const created = await call<Channel>('channels.createSmtp', { ...smtpInput(), address: 'sales@acme.example' });
    smtp.changePassword('a-new-password-at-the-provider');
    const first = await call<{ ok: boolean; message: string; channel: Channel }>('channels.test', { channelId: created.data.id });
    expect(first.data.ok).toBe(false);
    expect(first.data.channel.status).toBe('failing');
    expect(first.data.channel.failureReason).toContain('refused the login');
    const since = first.data.channel.failingSince;
    expect(since).not.toBeNull();
    const second = await call<{ channel: Channel }>('channels.test', { channelId: created.data.id });
    expect(second.data.channel.failingSince).toBe(since);

    await call('channels.update', { channelId: created.data.id, password: 'a-new-password-at-the-provider' });
    const fixed = await call<{ ok: boolean; channel: Channel }>('channels.test', { channelId: created.data.id });
    expect(fixed.data).toMatchObject({ ok: true, channel: { status: 'active', failureReason: null, failingSince: null } });
    smtp.changePassword(smtp.credentials.password);
  });

  it('says plainly when the server cannot be reached', async () => {
    const created = await call<Channel>('channels.createSmtp', { ...smtpInput(), address: 'nowhere@acme.example', port: 9 });
    const tested = await call<{ ok: boolean; message: string }>('channels.test', { channelId: created.data.id });
    expect(tested.data.ok).toBe(false);
    expect(tested.data.message).toContain(`Could not connect to ${smtp.host}:9`);
  });

  it('refuses a second channel for the same address, and bad settings, with a clear message', async () => {
    const duplicate = await call('channels.createSmtp', smtpInput());
    expect(duplicate.status).toBe(409);
    const badHost = await call('channels.createSmtp', { ...smtpInput(), address: 'x@acme.example', host: 'smtp://mail.example' });
    expect(badHost.status).toBe(400);
    expect(badHost.error?.message).toContain('host name or an IP address');
  });
});

describe('Twilio channel', () => {
  it('"test" reaches Twilio\'s account endpoint with the saved credentials, and a rotated Auth Token shows as failing', async () => {
    const account = twilio.addAccount('Acme support');
    const created = await call<Channel>('channels.createTwilio', { kind: 'twilio_sms', name: 'Support SMS', accountSid: account.accountSid, authToken: account.authToken, phoneNumber: '+447700900123' });
    expect(created.error, created.text).toBeNull();
    expect(created.data).toMatchObject({ address: '+447700900123', settings: { accountSid: account.accountSid }, secretMask: `••••${account.authToken.slice(-4)}` });
    expect(created.data.inboundWebhookUrl).toBe(`${steward.app.url}/webhooks/twilio/${created.data.id}/sms`);
    expect(created.text).not.toContain(account.authToken);

    const ok = await call<{ ok: boolean; message: string }>('channels.test', { channelId: created.data.id });
    expect(ok.data).toEqual({ ok: true, message: 'Twilio accepted the credentials of Acme support.', channel: expect.anything() });
    expect(twilio.requests.at(-1)).toEqual({ method: 'GET', path: `/2010-04-01/Accounts/${account.accountSid}.json` });

    twilio.rotateAuthToken(account.accountSid);
    const refused = await call<{ ok: boolean; channel: Channel }>('channels.test', { channelId: created.data.id });
    expect(refused.data.ok).toBe(false);
    expect(refused.data.channel).toMatchObject({ status: 'failing', failureReason: expect.stringContaining('Twilio refused the Account SID and Auth Token') });
  });

  it('wants an E.164 number and a well-formed Account SID', async () => {
    const account = twilio.addAccount();
    const bad = await call('channels.createTwilio', { kind: 'twilio_voice', name: 'Voice', accountSid: account.accountSid, authToken: account.authToken, phoneNumber: '07700 900123' });
    expect(bad.status).toBe(400);
    expect(bad.error?.message).toContain('E.164');
    const badSid = await call('channels.createTwilio', { kind: 'twilio_voice', name: 'Voice', accountSid: 'XX123', authToken: account.authToken, phoneNumber: '+447700900124' });
    expect(badSid.error?.message).toContain('Account SID');
  });
});

describe('Gmail and Outlook channels (OAuth)', () => {
  async function connectGmail(account: string) {
    steward.oauth.setAccount(account);
    const started = await call<{ authorizeUrl: string }>('channels.connectOAuth', { kind: 'gmail', name: 'Gmail support', returnTo: '/settings/channels' });
    expect(started.error, started.text).toBeNull();
    const callback = await steward.oauth.consent(started.data.authorizeUrl);
    const back = await steward.org.admin.agent.request(callback);
    expect(back.headers.get('location')).toBe('/settings/channels?connected=gmail');
    return (await list()).channels.find((c) => c.kind === 'gmail' && c.address === account)!;
  }

  it('connect → refresh → disconnect: the channel is "connected as" the account, its token is renewed, and removing it revokes access', async () => {
    expect((await list()).oauthProviders.map((p) => p.id).sort()).toEqual(['gmail', 'outlook']);
    const channel = await connectGmail('help@acme.example');
    expect(channel).toMatchObject({ status: 'active', connection: { account: 'help@acme.example', status: 'connected' } });
    expect(channel.connection!.scopes.length).toBeGreaterThan(0);

    const connectionId = (await steward.db.selectFrom('channels').select('oauth_connection_id').where('id', '=', channel.id).executeTakeFirstOrThrow()).oauth_connection_id!;
    await steward.db.updateTable('oauth_connections').set({ access_expires_at: new Date(Date.now() + 60_000) }).where('id', '=', connectionId).execute();
    const tested = await call<{ ok: boolean; message: string }>('channels.test', { channelId: channel.id });
    expect(tested.data).toMatchObject({ ok: true, message: 'Connected as help@acme.example.' });
    expect(steward.oauth.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token' });

    const refreshToken = steward.oauth.refreshTokenIssued().at(-1)!;
    const removed = await call<{ revoked: boolean }>('channels.remove', { channelId: channel.id });
    expect(removed.data.revoked).toBe(true);
    await expect.poll(() => steward.oauth.revocations.map((r) => r.token)).toContain(refreshToken);
    expect((await list()).channels.find((c) => c.id === channel.id)).toBeUndefined();
    expect(await steward.db.selectFrom('oauth_connections').select('id').where('id', '=', connectionId).execute()).toEqual([]);
  });

  it('an expired refresh token shows the channel as needing reconnection, why and since when; connecting again mends it', async () => {
    const channel = await connectGmail('lapsed@acme.example');
    steward.oauth.expireRefreshTokens();
    await steward.db
      .updateTable('oauth_connections')
      .set({ access_expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', steward.db.selectFrom('channels').select('oauth_connection_id').where('id', '=', channel.id))
      .execute();
    const tested = await call<{ ok: boolean; channel: Channel }>('channels.test', { channelId: channel.id });
    expect(tested.data.ok).toBe(false);
    const after = (await list()).channels.find((c) => c.id === channel.id)!;
    expect(after.status).toBe('needs_reconnection');
    expect(after.failureReason).toContain('Gmail no longer accepts the saved authorisation');
    expect(after.failingSince).not.toBeNull();

    const reconnected = await connectGmail('lapsed@acme.example');
    expect(reconnected.id).toBe(channel.id);
    expect(reconnected).toMatchObject({ status: 'active', failureReason: null });
  });

  it('replies go out through Gmail\'s send API with the connection\'s token; a refused token shows the channel as failing', async () => {
    const channel = await connectGmail('replies@acme.example');
    const place = { organisationId: steward.org.organisationId, workspaceId: steward.org.chapterWorkspaceId };
    const inbox = await call<{ id: string }>('inboxes.create', { name: 'Gmail inbox', channelIds: [channel.id] });
    const received = await receiveInboundMessage(steward.app, place, { inboxId: inbox.data.id, channelId: channel.id, from: { email: 'customer@example.org' }, subject: 'Refund', body: 'Where is my refund?' });
    const replied = await call<{ message: { delivery: string } }>('conversations.reply', { conversationId: received.conversationId, body: 'It was sent today.' });
    expect(replied.data.message.delivery).toBe('sent');
    const request = mailApis.requests.at(-1)!;
    expect(request.api).toBe('gmail');
    expect(request.authorization).toMatch(/^Bearer ey/);
    const mime = mailApis.gmailMessage(request);
    expect(mime).toContain('To: customer@example.org');
    expect(mime).toContain('From: replies@acme.example');
    expect(mime).toContain('Subject: Re: Refund');
    expect(mime).toContain('It was sent today.');

    mailApis.refuseNext(401);
    const refused = await call<{ message: { delivery: string; failure: string } }>('conversations.reply', { conversationId: received.conversationId, body: 'And another thing.' });
    expect(refused.data.message).toMatchObject({ delivery: 'failed', failure: expect.stringContaining('Gmail refused to send with this connection') });
    expect((await list()).channels.find((c) => c.id === channel.id)).toMatchObject({ status: 'failing' });
  });

  it('replies through an Outlook channel go out through Graph\'s sendMail', async () => {
    steward.oauth.setAccount('desk@acme.example');
    const started = await call<{ authorizeUrl: string }>('channels.connectOAuth', { kind: 'outlook', name: 'Outlook desk', returnTo: '/settings/channels' });
    await steward.org.admin.agent.request(await steward.oauth.consent(started.data.authorizeUrl));
    const channel = (await list()).channels.find((c) => c.kind === 'outlook' && c.address === 'desk@acme.example')!;
    expect(channel.status).toBe('active');
    const place = { organisationId: steward.org.organisationId, workspaceId: steward.org.chapterWorkspaceId };
    const inbox = await call<{ id: string }>('inboxes.create', { name: 'Outlook inbox', channelIds: [channel.id] });
    const received = await receiveInboundMessage(steward.app, place, { inboxId: inbox.data.id, channelId: channel.id, from: { email: 'buyer@example.org' }, body: 'Do you ship abroad?' });
    const replied = await call<{ message: { delivery: string } }>('conversations.reply', { conversationId: received.conversationId, body: 'Yes, to 40 countries.' });
    expect(replied.data.message.delivery).toBe('sent');
    expect(mailApis.requests.at(-1)).toMatchObject({
      api: 'graph',
      authorization: expect.stringMatching(/^Bearer ey/),
      body: { message: { subject: 'Re: your message', body: { contentType: 'Text', content: 'Yes, to 40 countries.' }, toRecipients: [{ emailAddress: { address: 'buyer@example.org' } }] }, saveToSentItems: true },
    });
  });

  it('is for the workspace\'s admins only', async () => {
    const { addSignedInMember } = await import('@steward/test-kit');
    const member = await addSignedInMember(steward.app, steward.org.organisationId, 'agent@acme.example', 'member', [{ workspaceId: steward.org.chapterWorkspaceId, role: 'member' }]);
    const refused = await member.agent.trpc('channels.list', { workspaceId: steward.org.chapterWorkspaceId });
    expect(refused.status).toBe(403);
  });
});
