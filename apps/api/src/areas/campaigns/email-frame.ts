import type { Db } from '@steward/db';
import type { Config } from '../../config.js';
import { escapeHtml } from '../../html.js';
import type { Keyring } from '../../secrets.js';
import { emailLogoUrl, linkKeys, unsubscribeSigner, unsubscribeUrl } from '../unsubscribe/tokens.js';

/**
 * What every campaign email carries around the campaign's own bodies: the workspace's logo heading
 * the HTML (an absolute address under PUBLIC_URL, signed, since mail clients do not sign in), and in
 * both HTML and text a visible link to the unsubscribe page; and the headers of RFC 2369 / RFC 8058
 * (`List-Unsubscribe` with the same signed address, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`),
 * so a mail client's own "Unsubscribe" button works without opening anything.
 */

export interface FramedEmail {
  html: string;
  text: string;
  unsubscribeUrl: string;
  headers: { name: string; value: string }[];
}

export interface FrameRecipient {
  contactId: string;
}

/** The tag each message carries, so MailerSend's webhooks name the campaign an event is about. */
export const campaignTag = (campaignId: string) => `campaign-${campaignId}`;

/** Reads what the frame needs once per send run; the answer frames each recipient's email. */
export async function campaignEmailFramer(db: Db, config: Config, keyring: Keyring, campaign: { id: string; workspace_id: string; category_id: string }) {
  const keys = linkKeys(config, keyring);
  const workspace = await db.selectFrom('workspaces').select(['name', 'logo_content_type', 'logo_updated_at']).where('id', '=', campaign.workspace_id).executeTakeFirstOrThrow();
  const category = await db.selectFrom('email_categories').select('name').where('id', '=', campaign.category_id).executeTakeFirstOrThrow();
  // An SVG logo is left out: most mail clients (Gmail, Outlook) show no SVG images, only a broken one.
  const logoUrl =
    workspace.logo_content_type && workspace.logo_content_type !== 'image/svg+xml' && workspace.logo_updated_at
      ? emailLogoUrl(config, keys, campaign.workspace_id, workspace.logo_updated_at)
      : null;
  const sign = unsubscribeSigner(keys, { workspaceId: campaign.workspace_id, categoryId: campaign.category_id, campaignId: campaign.id });
  const base = unsubscribeUrl(config, '');
  return (recipient: FrameRecipient, body: { html: string; text: string }): FramedEmail => {
    const url = `${base}${sign(recipient.contactId)}`;
    return {
      ...frameEmail(body, { workspaceName: workspace.name, categoryName: category.name, logoUrl, unsubscribeUrl: url }),
      unsubscribeUrl: url,
      headers: [
        { name: 'List-Unsubscribe', value: `<${url}>` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ],
    };
  };
}

/** Puts the logo first and the unsubscribe line last, inside `<body>` when the HTML is a whole document. */
export function frameEmail(body: { html: string; text: string }, frame: { workspaceName: string; categoryName: string; logoUrl: string | null; unsubscribeUrl: string }) {
  const why = `You receive this email from ${frame.workspaceName} (${frame.categoryName}).`;
  let html = body.html;
  if (html) {
    const header = frame.logoUrl
      ? `<div style="text-align:center;padding:16px 0"><img src="${escapeHtml(frame.logoUrl)}" alt="${escapeHtml(frame.workspaceName)}" style="max-height:64px;max-width:240px;height:auto;border:0"></div>`
      : '';
    const footer = `<p style="margin-top:32px;font-size:12px;line-height:1.5;color:#5b6170">${escapeHtml(why)} <a href="${escapeHtml(frame.unsubscribeUrl)}" style="color:#5b6170">Unsubscribe or choose which emails you receive</a>.</p>`;
    const open = /<body\b[^>]*>/i.exec(html);
    html = open ? `${html.slice(0, open.index + open[0].length)}${header}${html.slice(open.index + open[0].length)}` : `${header}${html}`;
    const close = /<\/body\s*>/i.exec(html);
    html = close ? `${html.slice(0, close.index)}${footer}${html.slice(close.index)}` : `${html}${footer}`;
  }
  const text = body.text ? `${body.text}\n\n--\n${why}\nUnsubscribe or choose which emails you receive: ${frame.unsubscribeUrl}\n` : '';
  return { html, text };
}
