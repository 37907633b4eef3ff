/**
 * Builds the web interface into `ui/dist/`: `app.js` (one bundle by `deno bundle --platform
 * browser --minify`), `style.css` and `index.html` (assets referenced with a content hash, so
 * a browser never mixes old and new files). Prints raw and gzip sizes.
 *
 * `deno run -A ui/build.ts [--out DIR] [--if-changed]`, or `deno task build:ui`. With
 * `--if-changed` (what `deno task start` runs) a build whose sources have not changed since
 * (`.source-hash` in the output, a hash of `ui/src/`, this script and the lock file) is kept.
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

/** Where a build records the hash of the sources it was made from. */
const STAMP = ".source-hash";

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else if (entry.isFile) found.push(path);
  }
  return found;
}

/** A hash over every input of the build: `ui/src/`, this script, the lock file. */
export async function sourceHash(): Promise<string> {
  const root = UI_DIR.slice(0, -"ui/".length);
  const files = [...await filesUnder(`${UI_DIR}src`), `${UI_DIR}build.ts`, `${root}deno.lock`]
    .sort();
  const parts: Uint8Array[] = [];
  for (const file of files) {
    parts.push(new TextEncoder().encode(`${file.slice(root.length)}\0`));
    parts.push(await Deno.readFile(file).catch(() => new Uint8Array()));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `outDir` holds a complete build of the current sources. */
export async function upToDate(outDir: string = DIST_DIR): Promise<boolean> {
  const dir = outDir.endsWith("/") ? outDir : `${outDir}/`;
  const stamp = await Deno.readTextFile(`${dir}${STAMP}`).catch(() => "");
  if (stamp.trim() !== await sourceHash()) return false;
  for (const name of ["index.html", "app.js", "style.css"]) {
    if (!(await Deno.stat(`${dir}${name}`).then((s) => s.isFile, () => false))) return false;
  }
  return true;
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
    const hash = await sourceHash();
    await bundle(`${tmp}/app.js`);
    const js = await Deno.readFile(`${tmp}/app.js`);
    const css = await Deno.readFile(`${UI_DIR}src/style.css`);
    await Deno.writeFile(`${tmp}/style.css`, css);
    const html = (await Deno.readTextFile(`${UI_DIR}src/index.html`))
      .replace("__JS_HASH__", await shortHash(js))
      .replace("__CSS_HASH__", await shortHash(css));
    await Deno.writeTextFile(`${tmp}/index.html`, html);
    await Deno.writeTextFile(`${tmp}/${STAMP}`, `${hash}\n`);
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
  if (Deno.args.includes("--if-changed") && await upToDate(out ?? DIST_DIR)) {
    console.log(`${out ?? DIST_DIR} is up to date (${Math.round(performance.now() - started)} ms)`);
    Deno.exit(0);
  }
  const files = await buildUi(out ?? DIST_DIR);
  console.log(sizeTable(files));
  console.log(
    `Built ${out ?? DIST_DIR} in ${Math.round(performance.now() - started)} ms`,
  );
}
