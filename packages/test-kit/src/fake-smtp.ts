import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on a local port (smtp-server) that asks for a login, for the SMTP channel's
 * "test connection" and replies: it records logins and the messages it accepts.
 */
export async function startFakeSmtp(credentials = { username: 'mailer@acme.example', password: 'smtp-password-1234' }) {
  const logins: { username: string; accepted: boolean }[] = [];
  const messages: { from: string; to: string[]; raw: string }[] = [];
  let current = { ...credentials };
  const server = new SMTPServer({
    secure: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      const accepted = auth.username === current.username && auth.password === current.password;
      logins.push({ username: auth.username ?? '', accepted });
      if (!accepted) return callback(new Error('Invalid username or password'));
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    credentials,
    logins,
    messages,
    changePassword(password: string) {
      current = { ...current, password };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type FakeSmtp = Awaited<ReturnType<typeof startFakeSmtp>>;
