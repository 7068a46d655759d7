import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless; no browser is ever downloaded. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Keeps a screenshot under artifacts/ for people to look at after the run. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** What a browser test file runs against: its own database, the app over it, and Chromium. */
export interface BrowserTest {
  database: TestDatabase;
  app: TestApp;
  browser: Browser;
  /** Closes the browser and the app, then drops the database. */
  close(): Promise<void>;
}

/**
 * Sets up a browser test file; if a step fails, what was already started is stopped again.
 * `env` overrides the app's environment (e.g. a fake MailerSend's `env()`).
 */
export async function startBrowserTest(options: { env?: Record<string, string | undefined> } = {}): Promise<BrowserTest> {
  const database = await createTestDatabase();
  const app = await startTestApp({ database, env: options.env }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await app.close();
    await database.drop();
    throw error;
  });
  return {
    database,
    app,
    browser,
    async close() {
      await browser.close();
      await app.close();
      await database.drop();
    },
  };
}

/** Signs in through the development form on whatever sign-in page is showing. */
export async function signInThroughForm(page: Page, email: string): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
}

/** Opens the console at `appUrl` and signs in as `email`, returning once the console shows who is signed in. */
export async function signInThroughConsole(page: Page, appUrl: string, email: string): Promise<void> {
  await page.goto(appUrl);
  await signInThroughForm(page, email);
  await page.getByTestId('signed-in-user').waitFor();
}

/**
 * Follows a link in the console's Settings navigation and waits for that area's heading; with
 * `workspaceSlug`, then picks that workspace in the area's Workspace picker and waits for its page.
 */
export async function openSettingsArea(page: Page, name: string, workspaceSlug?: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  if (workspaceSlug === undefined) return;
  await page.getByLabel('Workspace', { exact: true }).selectOption(workspaceSlug);
  await page.waitForURL((url) => url.pathname.includes(`/${workspaceSlug}`));
}
