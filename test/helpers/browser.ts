/**
 * Headless Chromium for tests and benches: Debian's `chromium` driven by playwright-core, with a fresh
 * profile, no background networking, and every console message, page error and network request
 * recorded.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Where to look for the browser; `NNBENCH_CHROMIUM` names another. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** How to get the browser, for skip messages. */
export const INSTALL_HINT = "install Chromium to run them: apt-get update && apt-get install -y --no-install-recommends chromium";

/** The Chromium executable, or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.NNBENCH_CHROMIUM;
  if (fromEnv) return fromEnv;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Chromium's flags: no GPU, no sandbox (root in containers), nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A running browser with its own fresh profile; `close()` ends it and removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh user data directory. */
export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`no Chromium found; ${INSTALL_HINT}`);
  const profile = mkdtempSync(path.join(tmpdir(), "nnbench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page with what it logged and requested. */
export interface WatchedPage {
  page: Page;
  /** Console errors and warnings, and uncaught exceptions. */
  problems: string[];
  /** Every request other than the page's own file and inline `data:` URLs. */
  requests: string[];
}

/** Opens `file` in a new page, recording problems and requests, and waits until the report is ready. */
export async function openReport(browser: TestBrowser, file: string): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  const url = `file://${path.resolve(file)}`;
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (r.url() !== url && !r.url().startsWith("data:")) requests.push(r.url());
  });
  await page.goto(url);
  await page.waitForSelector("html[data-ready]");
  return { page, problems, requests };
}

/** Draws every chart at once, as printing does. */
export async function drawAllCharts(page: Page): Promise<void> {
  await page.evaluate("window.dispatchEvent(new Event('beforeprint'))");
}
