/**
 * A real browser for the web interface tests: Debian's Chromium driven by playwright-core
 * (never `playwright install`), one fresh context per test, console errors collected.
 * `await using b = await launchBrowser(); const { page } = await b.newPage(st.baseUrl);`
 * @module
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { buildUi, upToDate } from "../../ui/build.ts";
import { REPO_ROOT } from "./station_process.ts";

/** Chromium of the Debian package. */
export const CHROMIUM_PATH = Deno.env.get("LADEWERK_CHROMIUM") ??
  "/usr/bin/chromium";

/** Flags that keep Chromium quiet and offline in a container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Folder of the screenshots the tests take (the files are not committed). */
export const SCREENSHOT_DIR = `${REPO_ROOT}tests/screenshots/`;

/** Desktop and phone viewports of the screenshots. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 360, height: 740 },
} as const;

/** Builds `ui/dist/` unless it holds a build of the current sources. */
export async function ensureUiBuilt(): Promise<void> {
  if (!(await upToDate())) await buildUi();
}

/** A page and the console errors (and uncaught exceptions) seen on it. */
export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, except the 401 of the first session check. */
  errors: string[];
}

/**
 * Whether a console error is the expected one: before login the page asks `GET /api/session`,
 * which answers 401, and Chromium logs every failed resource as an error.
 */
function expected(text: string, url: string): boolean {
  return /status of 401/.test(text) &&
    new URL(url, "http://x").pathname === "/api/session";
}

/** A launched browser; dispose it to close Chromium. */
export class TestBrowser implements AsyncDisposable {
  constructor(readonly browser: Browser) {}

  /** A page in a fresh context (own cookies and storage) at `baseUrl`, language `locale`. */
  async newPage(
    baseUrl: string,
    options: {
      locale?: string;
      timezoneId?: string;
      viewport?: { width: number; height: number };
    } = {},
  ): Promise<TestPage> {
    const context = await this.browser.newContext({
      baseURL: baseUrl,
      ignoreHTTPSErrors: true,
      locale: options.locale ?? "en-GB",
      timezoneId: options.timezoneId ?? "Europe/Berlin",
      viewport: options.viewport ?? VIEWPORTS.desktop,
      acceptDownloads: true,
    });
    // Waits fail within 10 s, so a broken page does not hold the suite for the default 30 s.
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() !== "error" || expected(m.text(), m.location().url)) return;
      errors.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
    return { context, page, errors };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.browser.close();
  }
}

/** Builds the UI if needed and launches Chromium. */
export async function launchBrowser(): Promise<TestBrowser> {
  await ensureUiBuilt();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  return new TestBrowser(browser);
}

/** Logs in through the login page with `password` and waits for the dashboard. */
export async function loginUi(page: Page, password: string): Promise<void> {
  await page.goto("/");
  await page.locator("#f-password").fill(password);
  await page.locator("form button[type=submit]").click();
  await page.locator("header.top").waitFor();
}

/** Goes to a page of the menu (`#/network`) and waits until its forms are loaded. */
export async function openPage(page: Page, name: string): Promise<void> {
  await page.goto(`/#/${name}`);
  await page.locator(`main[data-page="${name}"]`).waitFor();
  await page.locator("main", { hasText: /Loading…|Wird geladen…/ }).waitFor({
    state: "detached",
  });
}

/** Saves a screenshot `name.png` into {@linkcode SCREENSHOT_DIR}; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = `${SCREENSHOT_DIR}${name}.png`;
  // From the top: the sticky header would otherwise sit in the middle of a full-page shot.
  await page.evaluate("scrollTo(0, 0)");
  await page.screenshot({ path, fullPage: true });
  return path;
}
