import nodemailer from 'nodemailer';

export const SMTP_TLS_MODES = ['tls', 'starttls', 'none'] as const;
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number];

export interface SmtpSettings {
  host: string;
  port: number;
  tlsMode: SmtpTlsMode;
  username: string;
}

/** A failure in words an admin can act on; `credentials` when the server refused the login. */
export class ChannelFailure extends Error {
  constructor(
    message: string,
    readonly credentials: boolean,
  ) {
    super(message);
    this.name = 'ChannelFailure';
  }
}

function transport(settings: SmtpSettings, password: string) {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    // 'tls': TLS from the first byte (port 465); 'starttls': upgrade required; 'none': plain text (local relays only).
    secure: settings.tlsMode === 'tls',
    requireTLS: settings.tlsMode === 'starttls',
    ignoreTLS: settings.tlsMode === 'none',
    auth: { user: settings.username, pass: password },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

function describeSmtpError(settings: SmtpSettings, error: unknown): ChannelFailure {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `${settings.host}:${settings.port}`;
  switch (e.code) {
    case 'EAUTH':
      return new ChannelFailure(`${where} refused the login for ${settings.username}${e.responseCode ? ` (${e.responseCode})` : ''}: check the user and password.`, true);
    case 'EDNS':
      return new ChannelFailure(`The SMTP host ${settings.host} was not found.`, false);
    case 'ETIMEDOUT':
      return new ChannelFailure(`${where} did not answer in time.`, false);
    case 'ECONNECTION':
    case 'ESOCKET':
      return new ChannelFailure(`Could not connect to ${where}${/ECONNREFUSED/.test(e.message ?? '') ? ' (connection refused)' : ''}${/certificate|SSL|TLS/i.test(e.message ?? '') ? ' (TLS failed: check the TLS mode and port)' : ''}.`, false);
    case 'ETLS':
      return new ChannelFailure(`${where} could not start TLS: check the TLS mode and port.`, false);
    default:
      return new ChannelFailure(`${where} answered: ${(e.response ?? e.message ?? 'an unknown error').slice(0, 200)}`, false);
  }
}

/** "Test connection": a real SMTP handshake and login (EHLO, TLS as configured, AUTH), then QUIT. */
export async function verifySmtp(settings: SmtpSettings, password: string) {
  const transporter = transport(settings, password);
  try {
    await transporter.verify();
  } catch (error) {
    throw describeSmtpError(settings, error);
  } finally {
    transporter.close();
  }
}

export async function sendSmtp(settings: SmtpSettings, password: string, message: { from: string; to: string; subject: string; text: string; inReplyTo?: string }) {
  const transporter = transport(settings, password);
  try {
    const info = await transporter.sendMail({ from: message.from, to: message.to, subject: message.subject, text: message.text, ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}) });
    return { externalId: info.messageId };
  } catch (error) {
    throw describeSmtpError(settings, error);
  } finally {
    transporter.close();
  }
}
