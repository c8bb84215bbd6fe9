// Headless Chromium for the dashboard's end-to-end tests: Debian's `chromium` package driven
// by playwright-core (`npx playwright install` downloads, which these machines cannot do).
// CI needs `apt-get install -y chromium`; CHROMIUM_PATH overrides the location.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test-results/screenshots');

export interface TestBrowser {
  browser: Browser;
  /** A fresh context signed in to the dashboard at `baseUrl` (the real login form). */
  signedIn(
    baseUrl: string,
    token: string,
    name?: string,
    viewport?: { width: number; height: number },
  ): Promise<{ context: BrowserContext; page: Page }>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
  });
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    async signedIn(baseUrl, token, name = 'test-runner@example.com', viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ baseURL: baseUrl, viewport });
      const page = await context.newPage();
      await page.goto('/dashboard/login');
      await page.fill('input[name=name]', name);
      await page.fill('input[name=token]', token);
      await Promise.all([page.waitForURL(/\/dashboard\/funnel/), page.click('button:has-text("Sign in")')]);
      return { context, page };
    },
    async screenshot(page, name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
    },
  };
}
