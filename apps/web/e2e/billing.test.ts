import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addMember, type BrowserTest, type FakeStripe, keepScreenshot, openSettingsArea, signInThroughConsole, startBrowserTest, startFakeStripe } from '@steward/test-kit';

let stripe: FakeStripe;
let steward: BrowserTest;
let organisationId: string;

const FOUNDER = 'founder@nimbus.example';
const BILLING_ADMIN = 'accounts@nimbus.example';

beforeAll(async () => {
  stripe = await startFakeStripe();
  steward = await startBrowserTest({ env: stripe.env() });
  stripe.setWebhookUrl(`${steward.app.url}/webhooks/billing`);
});
afterAll(async () => {
  await steward?.close();
  await stripe?.close();
});

const usage = (page: Page, kind: string) => page.getByTestId(`usage-${kind}`).innerText();

describe('organisation and billing', () => {
  it('a new person creates an organisation, upgrades through Checkout and sees the plan and the usage bars', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, FOUNDER);
    await page.getByRole('heading', { level: 1, name: 'Create your organisation' }).waitFor();
    await page.getByLabel('Organisation name').fill('Nimbus');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Organisation' }).locator('option:checked').innerText()).toBe('Nimbus');
    organisationId = /\/orgs\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    await openSettingsArea(page, 'Billing');
    await page.getByRole('heading', { name: 'Plan: Starter' }).waitFor();
    expect(await usage(page, 'seats')).toBe('1 of 5');
    expect(await usage(page, 'workspaces')).toBe('1 of 3');

    await page.getByRole('button', { name: 'Subscribe to Professional' }).click();
    await page.getByRole('heading', { name: 'Stripe stand-in — Checkout' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`^${stripe.url}/checkout/cs_`));
    await page.getByRole('button', { name: 'Pay' }).click();

    await page.getByRole('heading', { name: 'Plan: Professional' }).waitFor();
    expect(page.url()).toBe(`${steward.app.url}/orgs/${organisationId}/billing?checkout=done`);
    await page.getByRole('status').getByText('Thank you: the subscription is active.').waitFor();
    expect(await page.getByText('visa •••• 4242').count()).toBe(1);
    // Each limit as a bar, with what is used of it.
    for (const name of ['Seats', 'Workspaces', 'Contacts', 'Campaign emails this month']) expect(await page.getByRole('meter', { name }).count()).toBe(1);
    expect(await usage(page, 'seats')).toBe('1 of 25');
    expect(await usage(page, 'contacts')).toBe('0 of 100,000');
    expect(await page.getByRole('meter', { name: 'Seats' }).getAttribute('aria-valuetext')).toBe('1 of 25');
    const invoices = page.getByRole('table', { name: 'Invoices' });
    await invoices.getByRole('row').nth(1).waitFor();
    expect(await invoices.getByRole('row').nth(1).innerText()).toMatch(/STEWARD-0001\s+€79\.00\s+paid\s+Download/);
    expect(await page.getByRole('row', { name: /Enterprise/ }).innerText()).toContain('Contact sales');
    await keepScreenshot(page, 'billing-professional');
    await page.close();
  });

  it('a billing admin downgrades, and cannot cancel; the organisation admin can', async () => {
    await addMember(steward.database.db, organisationId, BILLING_ADMIN, 'billing_admin');
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, BILLING_ADMIN);
    await openSettingsArea(page, 'Billing');
    await page.getByRole('heading', { name: 'Plan: Professional' }).waitFor();
    await page.getByRole('button', { name: 'Downgrade to Starter' }).click();
    await page.getByRole('dialog', { name: 'Switch to Starter?' }).getByRole('button', { name: 'Switch to Starter' }).click();
    await page.getByRole('heading', { name: 'Plan: Starter' }).waitFor();
    expect(await usage(page, 'seats')).toBe('2 of 5');
    // Cancelling is for the organisation's admins only (seed 001).
    expect(await page.getByRole('button', { name: 'Cancel subscription…' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Manage payment method and invoices' }).count()).toBe(1);
    await page.close();

    const admin = await steward.browser.newPage();
    await signInThroughConsole(admin, steward.app.url, FOUNDER);
    await openSettingsArea(admin, 'Billing');
    await admin.getByRole('heading', { name: 'Plan: Starter' }).waitFor();
    await admin.getByRole('button', { name: 'Cancel subscription…' }).click();
    await admin.getByRole('dialog', { name: 'Cancel the subscription?' }).getByRole('button', { name: 'Cancel subscription' }).click();
    await admin.getByRole('button', { name: 'Keep the subscription' }).waitFor();
    expect(await admin.getByText('Cancelled at the end of the period').count()).toBe(1);
    const subscription = [...stripe.subscriptions.values()].find((s) => s.status === 'active')!;
    expect(subscription.cancelAtPeriodEnd).toBe(true);
    await keepScreenshot(admin, 'billing-cancelled');
    await admin.close();
  });

  it('while a payment is past due, every page says that nothing can be added, and adding is refused', async () => {
    const subscription = [...stripe.subscriptions.values()].find((s) => s.status === 'active')!;
    await stripe.setStatus(subscription.id, 'past_due');
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, FOUNDER);
    const banner = page.getByRole('alert').filter({ hasText: 'last payment failed' });
    await banner.waitFor();
    await openSettingsArea(page, 'Workspaces');
    expect(await banner.count()).toBe(1);
    await page.getByRole('button', { name: 'New workspace' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('Paris');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'past due' }).waitFor();
    await stripe.setStatus(subscription.id, 'active');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
    expect(await banner.count()).toBe(0);
    await page.close();
  });

  it('the admin deletes the organisation after typing its name, its billing admin loses it at once, and the admin restores it', async () => {
    const admin = await steward.browser.newPage();
    await signInThroughConsole(admin, steward.app.url, FOUNDER);
    await openSettingsArea(admin, 'Organisation');
    await admin.getByLabel('Billing email').fill('invoices@nimbus.example');
    await admin.getByLabel('Tax id').fill('FR 12 345678901');
    await admin.getByRole('button', { name: 'Save billing details' }).click();
    await admin.getByRole('status').getByText('Saved.').waitFor();

    await admin.getByRole('button', { name: 'Delete organisation…' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Delete Nimbus' });
    const confirm = dialog.getByRole('button', { name: 'Delete organisation' });
    await dialog.getByLabel('Type Nimbus to confirm').fill('nimbus');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type Nimbus to confirm').fill('Nimbus');
    await confirm.click();
    await admin.getByRole('heading', { name: 'Nimbus is scheduled for deletion' }).waitFor();

    const billingAdmin = await steward.browser.newPage();
    await signInThroughConsole(billingAdmin, steward.app.url, BILLING_ADMIN);
    await billingAdmin.getByRole('heading', { level: 1, name: 'Create your organisation' }).waitFor();
    await billingAdmin.close();

    await admin.getByRole('button', { name: 'Restore organisation' }).click();
    await admin.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Billing', exact: true }).waitFor();
    await openSettingsArea(admin, 'Organisation');
    expect(await admin.getByLabel('Tax id').inputValue()).toBe('FR 12 345678901');
    await admin.close();
  });
});
