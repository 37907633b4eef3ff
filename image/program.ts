/**
 * The station program as one file: `deno bundle` of `main.ts` with every dependency inside,
 * minified, what `deno task start` runs (`dist/ladewerk.js`) and what a slot's payload carries
 * (`bin/ladewerk.js`). Built once, not at each start: `deno task build:program [--if-changed]`
 * keeps a build whose inputs (the program's sources, `deno.json`, the lock file) hash the same.
 *
 * Two passes. The first bundles without minifying, so module boundaries are still readable,
 * and answers ocpp-rpc's `standard-validators` module with an empty list: that module compiles
 * the OCPP 1.6, 2.0.1 and 2.1 schemas with ajv when the client loads (about 25 MiB, 175 ms),
 * while the station hands ocpp-rpc its own validators compiled at build time
 * (`station/ocpp/schemas/`). It also marks each bundled CommonJS module pure, so the second
 * pass (bundling that file again, minified) drops what nothing requires any more: ajv and the
 * schemas, a third of the size. Measured on the warm station (issue 14): 81 MiB idle RSS and
 * 0.30 s to HTTP ready, against 94 MiB and 0.35 s for `deno run main.ts`.
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Where `deno task build:program` puts the program (`../ui/dist/` and `../version.json`
 * resolve from it as from `station/` and `http/`). */
export const PROGRAM_PATH: string = join(ROOT, "dist", "ladewerk.js");

/** The wrapper esbuild gives ocpp-rpc's standard validators module in a bundle. */
const STANDARD_VALIDATORS = "var require_standard_validators = __commonJS({";

/** The folders and files whose contents make the program (tests and tools aside). */
const INPUTS = ["main.ts", "run.ts", "options.ts", "logging.ts", "v8_flags.ts", "deno.json"];
const INPUT_DIRS = ["station", "http", "drivers"];

async function run(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(`deno ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/**
 * The first pass's output, changed as the module says: the standard validators module exports
 * an empty list, and every CommonJS wrapper is marked pure. Throws when the bundle does not
 * hold the module (a new ocpp-rpc or bundler): better no build than a heavy one.
 */
export function withoutStandardValidators(bundle: string): string {
  const start = bundle.indexOf(STANDARD_VALIDATORS);
  const end = start < 0 ? -1 : bundle.indexOf("\n});\n", start);
  if (start < 0 || end < 0 || bundle.indexOf(STANDARD_VALIDATORS, start + 1) >= 0) {
    throw new Error(
      "Cannot build the program: ocpp-rpc's standard-validators module is not in the bundle " +
        "as expected (a new ocpp-rpc or deno bundle?)",
    );
  }
  const empty = `${STANDARD_VALIDATORS}\n  "standard-validators"(exports, module) {\n` +
    `    module.exports = [];\n  }`;
  return (bundle.slice(0, start) + empty + bundle.slice(end))
    .replaceAll("= __commonJS({", "= /* @__PURE__ */ __commonJS({");
}

/** Builds the program into `outFile` (written whole, then renamed into place). */
export async function buildProgram(outFile: string = PROGRAM_PATH): Promise<void> {
  const dir = outFile.slice(0, outFile.lastIndexOf("/")) || ".";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir, prefix: ".program-" });
  try {
    const first = join(tmp, "first.js");
    const second = join(tmp, "second.js");
    await run(["bundle", "--quiet", "--platform", "deno", "-o", first, join(ROOT, "main.ts")]);
    await Deno.writeTextFile(first, withoutStandardValidators(await Deno.readTextFile(first)));
    await run(["bundle", "--quiet", "--platform", "deno", "--minify", "-o", second, first]);
    await Deno.rename(second, outFile);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else if (entry.isFile && /\.(ts|js|json)$/.test(entry.name) && !/_test\.ts$/.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

/** A hash over the program's inputs. */
export async function programInputsHash(): Promise<string> {
  const files = [
    ...INPUTS.map((f) => join(ROOT, f)),
    join(ROOT, "deno.lock"),
    ...(await Promise.all(INPUT_DIRS.map((d) => filesUnder(join(ROOT, d))))).flat(),
  ].sort();
  const hash = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(
      (await Promise.all(
        files.map(async (f) =>
          `${relative(ROOT, f)}\0${await Deno.readTextFile(f).catch(() => "")}\0`
        ),
      )).join(""),
    ),
  );
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds {@linkcode PROGRAM_PATH} unless it is a build of the current inputs. */
export async function ensureProgram(): Promise<"built" | "up to date"> {
  const stamp = `${PROGRAM_PATH}.source-hash`;
  const hash = await programInputsHash();
  const current = await Deno.readTextFile(stamp).catch(() => "");
  const built = await Deno.stat(PROGRAM_PATH).then((s) => s.isFile, () => false);
  if (built && current.trim() === hash) return "up to date";
  await buildProgram(PROGRAM_PATH);
  await Deno.writeTextFile(stamp, `${hash}\n`);
  return "built";
}

if (import.meta.main) {
  const started = performance.now();
  if (!Deno.args.includes("--if-changed")) {
    await Deno.remove(`${PROGRAM_PATH}.source-hash`).catch(() => {});
  }
  const outcome = await ensureProgram();
  const { size } = await Deno.stat(PROGRAM_PATH);
  console.log(
    `${outcome === "built" ? "Built" : "Up to date:"} ${PROGRAM_PATH} (${
      (size / 1024).toFixed(0)
    } KiB) in ` +
      `${Math.round(performance.now() - started)} ms`,
  );
}
