/**
 * Builds the web interface into `ui/dist/`: `app.js` (one bundle by `deno bundle --platform
 * browser --minify`), `style.css` and `index.html` (assets referenced with a content hash, so
 * a browser never mixes old and new files). Prints raw and gzip sizes.
 *
 * `deno run -A ui/build.ts [--out DIR]`, or `deno task build:ui`.
 * @module
 */
import { fileURLToPath } from "node:url";

const UI_DIR = fileURLToPath(new URL("./", import.meta.url));
/** Where the build goes by default (`ui/dist/`). */
export const DIST_DIR: string = `${UI_DIR}dist/`;

/** One built file and its sizes in bytes. */
export interface BuiltFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

async function gzipSize(data: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([data]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function shortHash(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest.slice(0, 5)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function bundle(outFile: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      "--minify",
      "-o",
      outFile,
      `${UI_DIR}src/main.ts`,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (code !== 0) {
    throw new Error(
      `Cannot bundle the web interface: ${new TextDecoder().decode(stderr)}`,
    );
  }
}

/**
 * Builds into `outDir` (default `ui/dist/`): writes into a fresh temporary folder next to it
 * and swaps it in, so a server never serves a half-written build.
 */
export async function buildUi(outDir: string = DIST_DIR): Promise<BuiltFile[]> {
  const dir = outDir.endsWith("/") ? outDir.slice(0, -1) : outDir;
  const parent = dir.slice(0, dir.lastIndexOf("/")) || ".";
  const tmp = await Deno.makeTempDir({ dir: parent, prefix: ".ui-build-" });
  try {
    await bundle(`${tmp}/app.js`);
    const js = await Deno.readFile(`${tmp}/app.js`);
    const css = await Deno.readFile(`${UI_DIR}src/style.css`);
    await Deno.writeFile(`${tmp}/style.css`, css);
    const html = (await Deno.readTextFile(`${UI_DIR}src/index.html`))
      .replace("__JS_HASH__", await shortHash(js))
      .replace("__CSS_HASH__", await shortHash(css));
    await Deno.writeTextFile(`${tmp}/index.html`, html);
    const old = `${parent}/.ui-old-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.rename(dir, old).catch(() => {});
    try {
      await Deno.rename(tmp, dir);
    } catch (e) {
      // Another build (a parallel test run) swapped its folder in first: that one counts.
      if (!(await Deno.stat(`${dir}/index.html`).then(() => true, () => false))) throw e;
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
    await Deno.remove(old, { recursive: true }).catch(() => {});
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  const files: BuiltFile[] = [];
  for (const name of ["index.html", "app.js", "style.css"]) {
    const data = await Deno.readFile(`${dir}/${name}`);
    files.push({
      name,
      bytes: data.byteLength,
      gzipBytes: await gzipSize(data),
    });
  }
  return files;
}

/** The sizes as a small table, with the totals. */
export function sizeTable(files: BuiltFile[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`.padStart(10);
  const total = files.reduce(
    (a, f) => ({ b: a.b + f.bytes, g: a.g + f.gzipBytes }),
    { b: 0, g: 0 },
  );
  const rows = [
    ...files.map((f) => [f.name, f.bytes, f.gzipBytes] as const),
    [
      "total",
      total.b,
      total.g,
    ] as const,
  ];
  return [
    `${"file".padEnd(12)}${"raw".padStart(10)}${"gzip".padStart(10)}`,
    ...rows.map(([n, b, g]) => `${n.padEnd(12)}${kb(b)}${kb(g)}`),
  ].join("\n");
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--out");
  const out = at >= 0 ? Deno.args[at + 1] : undefined;
  const started = performance.now();
  const files = await buildUi(out ?? DIST_DIR);
  console.log(sizeTable(files));
  console.log(
    `Built ${out ?? DIST_DIR} in ${Math.round(performance.now() - started)} ms`,
  );
}
