import { escapeHtml } from '../../html.js';
import type { Preferences } from './unsubscribe.js';

/**
 * The unsubscribe page: server-rendered, no script (the console's CSP allows none inline), every
 * value escaped. Forms post to the page's own address; the signed token in it is the only proof.
 */

function layout(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
fieldset{border:1px solid #d5d9e2;border-radius:8px;margin:1rem 0;padding:.6rem 1rem}legend{font-weight:600;padding:0 .3rem}
label{display:block;margin:.35rem 0}ul{list-style:none;padding:0;margin:.4rem 0 0 1.4rem}small{display:block;color:#5b6170;margin-left:1.6rem}
.notice{background:#e8f4ea;border:1px solid #7bb58a;padding:.6rem .8rem;border-radius:6px}
button{font:inherit;padding:.5rem 1rem;background:#2f5bd3;color:#fff;border:0;border-radius:6px;cursor:pointer}
.quiet{background:#fff;color:#2f5bd3;border:1px solid #2f5bd3}</style></head><body>${body}</body></html>`;
}

export function invalidLinkPage() {
  return layout(
    'Link not valid',
    `<h1>This link is not valid</h1><p role="alert">The address may have been cut short or changed. Use the unsubscribe link of the email as it arrived.</p>`,
  );
}

export function goneContactPage() {
  return layout('Nothing to unsubscribe', `<h1>Nothing to unsubscribe</h1><p>This address is no longer on any list here: nothing more will be sent to it.</p>`);
}

export function preferencesPage(action: string, preferences: Preferences, notice: string | null) {
  const quick = preferences.category
    ? `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="shown" value="${escapeHtml(preferences.category.id)}">
<button type="submit">Unsubscribe from ${escapeHtml(preferences.category.name)}</button></form>`
    : '';
  const workspaces = preferences.workspaces
    .map((w) => {
      if (!w.linked) return `<fieldset><legend>${escapeHtml(w.name)}</legend><p>You are not on ${escapeHtml(w.name)}'s list: it sends you nothing.</p></fieldset>`;
      const left = w.subscription === 'unsubscribed';
      const categories = w.categories
        .map(
          (c) => `<li><input type="hidden" name="shown" value="${escapeHtml(c.id)}"><label><input type="checkbox" name="receive" value="${escapeHtml(c.id)}"${c.ticked ? ' checked' : ''}> ${escapeHtml(c.name)}</label>${
            c.description ? `<small>${escapeHtml(c.description)}</small>` : ''
          }</li>`,
        )
        .join('');
      const name = `workspace:${w.id}`;
      return `<fieldset><legend>${escapeHtml(w.name)}</legend>
<label><input type="radio" name="${escapeHtml(name)}" value="receive"${left ? '' : ' checked'}> Receive the emails ticked below</label>
${categories ? `<ul>${categories}</ul>` : '<p><small>No kinds of email to choose from yet.</small></p>'}
<label><input type="radio" name="${escapeHtml(name)}" value="leave"${left ? ' checked' : ''}> Nothing from ${escapeHtml(w.name)}</label></fieldset>`;
    })
    .join('\n');
  const everything = `<fieldset><legend>Everything from ${escapeHtml(preferences.organisationName)}</legend>
<label><input type="radio" name="everything" value="stay"${preferences.globallyUnsubscribed ? '' : ' checked'}> Keep the choices above</label>
<label><input type="radio" name="everything" value="leave"${preferences.globallyUnsubscribed ? ' checked' : ''}> Nothing from anyone at ${escapeHtml(preferences.organisationName)}</label></fieldset>`;
  return layout(
    'Your email choices',
    `<h1>Your email choices</h1>
${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}
${preferences.globallyUnsubscribed ? `<p>You receive nothing from ${escapeHtml(preferences.organisationName)}.</p>` : quick}
<form method="post" action="${escapeHtml(action)}">
${workspaces}
${everything}
<button type="submit">Save my choices</button>
</form>`,
  );
}
