/**
 * The web interface's first load, measured in Chromium against a running station: bytes
 * transferred (gzip, as served) until the dashboard shows its data, and the time from
 * navigation start to that moment (the page's `dashboard-ready` mark). Also the built sizes.
 * @module
 */
import type { Browser } from "playwright-core";
import { launchBrowser } from "../tests/helpers/browser.ts";
import { startStation } from "../tests/helpers/station_process.ts";
import { buildUi } from "../ui/build.ts";
import { type Figure, median } from "./figure.ts";

const RUNS = 5;

interface Load {
  ms: number;
  assetBytes: number;
  totalBytes: number;
}

/** One first load in a fresh, logged-in browser context with an empty cache. */
async function firstLoad(browser: Browser, baseUrl: string): Promise<Load> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale: "en-GB",
  });
  try {
    const login = await context.request.post("/api/login", {
      data: { user: "admin", password: "24110001" },
    });
    if (!login.ok()) throw new Error(`Login failed: ${login.status()}`);
    const page = await context.newPage();
    const responses: Promise<{ path: string; bytes: number }>[] = [];
    page.on("requestfinished", (request) => {
      responses.push(
        request.sizes().then((s) => ({
          path: new URL(request.url()).pathname,
          bytes: s.responseBodySize + s.responseHeadersSize,
        })),
      );
    });
    await page.goto("/");
    await page.locator('[data-ready="true"]').waitFor({ timeout: 30_000 });
    const ms = Number(
      await page.evaluate(
        `performance.getEntriesByName("dashboard-ready")[0].startTime`,
      ),
    );
    const sizes = await Promise.all(responses);
    const assets = sizes.filter((s) => !s.path.startsWith("/api/"));
    const sum = (list: { bytes: number }[]) => list.reduce((a, s) => a + s.bytes, 0);
    return { ms, assetBytes: sum(assets), totalBytes: sum(sizes) };
  } finally {
    await context.close();
  }
}

/** Builds the UI, starts a station, measures {@linkcode RUNS} first loads. */
export async function run(): Promise<Figure[]> {
  const built = await buildUi();
  const gzip = built.reduce((a, f) => a + f.gzipBytes, 0);
  await using st = await startStation();
  await using browser = await launchBrowser();
  const loads: Load[] = [];
  for (let i = 0; i < RUNS; i++) {
    loads.push(await firstLoad(browser.browser, st.baseUrl));
  }
  const kib = (n: number) => Math.round(n / 102.4) / 10;
  return [
    {
      name: "bundle gzip",
      value: kib(gzip),
      unit: "KiB",
      note: built.map((f) => `${f.name} ${kib(f.gzipBytes)}`).join(", "),
    },
    {
      name: "first load transferred",
      value: kib(median(loads.map((l) => l.totalBytes))),
      unit: "KiB",
      note: `dashboard, gzip as served, headers included; assets ${
        kib(median(loads.map((l) => l.assetBytes)))
      } KiB`,
    },
    {
      name: "time to dashboard median",
      value: Math.round(median(loads.map((l) => l.ms))),
      unit: "ms",
      note: `navigation start to data shown, ${RUNS} cold loads`,
    },
    {
      name: "time to dashboard max",
      value: Math.round(Math.max(...loads.map((l) => l.ms))),
      unit: "ms",
    },
  ];
}
