import { escapeHtml } from '../../html.js';
export function invitationEmail(input: { organisationName: string; inviterName: string | null; acceptUrl: string; expiresAt: Date }) {
  const who = input.inviterName ? `${input.inviterName} invited you` : 'You have been invited';
  const expires = input.expiresAt.toUTCString();
  const subject = `Join ${input.organisationName} on Steward`;
  const text = `${who} to join ${input.organisationName} on Steward.

Accept the invitation: ${input.acceptUrl}

Sign in with the Google account of this email address. The link works once and expires on ${expires}.`;
  const html = `<p>${escapeHtml(who)} to join <strong>${escapeHtml(input.organisationName)}</strong> on Steward.</p>
<p><a href="${escapeHtml(input.acceptUrl)}">Accept the invitation</a></p>
<p>Sign in with the Google account of this email address. The link works once and expires on ${escapeHtml(expires)}.</p>`;
  return { subject, text, html };
}
