/**
 * The station program: `deno bundle` of `main.ts` with every dependency inside, minified and
 * split into an entry and the chunks it loads when first needed, what `deno task start` runs
 * (`dist/ladewerk.js` and the chunks beside it) and what a slot's payload carries
 * (`bin/ladewerk.js`, chunks beside it). Built once, not at each start:
 * `deno task build:program [--if-changed]` keeps a build whose inputs (the program's sources,
 * `deno.json`, the lock file) hash the same.
 *
 * Two passes, both split at each `import()`. The first bundles without minifying, so module
 * boundaries are still readable, and answers ocpp-rpc's `standard-validators` module with an
 * empty list: that module compiles the OCPP 1.6, 2.0.1 and 2.1 schemas with ajv when the client
 * loads (about 25 MiB, 175 ms),
 * while the station hands ocpp-rpc its own validators compiled at build time
 * (`station/ocpp/schemas/`). It also marks each bundled CommonJS module pure, so the second
 * pass (bundling those files again, minified) drops what nothing requires any more: ajv and the
 * schemas, a third of the size. Measured on the warm station (issue 14, the split build):
 * 74 MiB idle RSS and 135 ms to HTTP ready, against 94 MiB and 255 ms for `deno run main.ts`.
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { OWN_WEBSOCKET_KEY } from "../station/ocpp/websocket.ts";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Where `deno task build:program` puts the program (`../ui/dist/` and `../version.json`
 * resolve from it as from `station/` and `http/`). */
export const PROGRAM_PATH: string = join(ROOT, "dist", "ladewerk.js");

/** The wrapper esbuild gives ocpp-rpc's standard validators module in a bundle. */
const STANDARD_VALIDATORS = "var require_standard_validators = __commonJS({";

/** The folders and files whose contents make the program (tests and tools aside). */
const INPUTS = [
  "main.ts",
  "run.ts",
  "options.ts",
  "logging.ts",
  "v8_flags.ts",
  "code_cache.ts",
  "deno.json",
];
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
  return markPure(bundle.slice(0, start) + empty + bundle.slice(end));
}

/** The bundled module of ocpp-rpc's client, and its `require("ws")`. */
const RPC_CLIENT = 'ocpp-rpc/lib/client.js"(exports, module) {';
const RPC_CLIENT_WS = "var WebSocket = require_ws();";
const RPC_CLIENT_CRYPTO = 'var { randomUUID } = __require("node:crypto");';
/** ocpp-rpc's excerpt of `ws` for its server, which its client requires for one function. */
const RPC_WS_UTIL = 'ocpp-rpc/lib/ws-util.js"(exports, module) {';
const RPC_WS_UTIL_HTTP = 'var http = __require("node:http");';
const RPC_SERVER = 'ocpp-rpc/lib/server.js"(exports, module) {';

/** Replaces `from` in the bundled module that starts at `marker`; throws unless both are
 * found once. */
function replaceInModule(chunk: string, marker: string, from: string, to: string): string {
  const start = chunk.indexOf(marker);
  const end = start < 0 ? -1 : chunk.indexOf("\n});\n", start);
  const at = end < 0 ? -1 : chunk.indexOf(from, start);
  if (at < 0 || at > end || chunk.indexOf(marker, start + 1) >= 0) {
    throw new Error(
      `Cannot build the program: "${from}" is not in ocpp-rpc's ${marker.split('"')[0]} as ` +
        "expected (a new ocpp-rpc or deno bundle?)",
    );
  }
  return chunk.slice(0, at) + to + chunk.slice(at + from.length);
}

/**
 * The chunk with ocpp-rpc's client, changed so that it loads none of Deno's Node modules that
 * the station does not need otherwise (issue 14):
 * - the client connects with the station's WebSocket client (`station/ocpp/websocket.ts`,
 *   which `station/ocpp/rpc.ts` puts at the symbol below before it loads ocpp-rpc) instead of
 *   `ws` (MQTT, loaded only with a broker, still bundles `ws`);
 * - its excerpt of `ws` does not load Node's `http` for a status text only its server uses (the
 *   server is not in the program);
 * - it takes `randomUUID` for its message ids from Web Crypto, not from Node's `crypto` module
 *   (2.4 MiB measured beside the modules the idle station has), which loads with the first
 *   login instead.
 */
export function withOwnWebSocket(chunk: string): string {
  if (chunk.includes(RPC_SERVER)) {
    throw new Error("Cannot build the program: ocpp-rpc's server is in the bundle");
  }
  const own = replaceInModule(
    replaceInModule(
      chunk,
      RPC_CLIENT,
      RPC_CLIENT_WS,
      `var WebSocket = globalThis[Symbol.for("${OWN_WEBSOCKET_KEY}")];`,
    ),
    RPC_CLIENT,
    RPC_CLIENT_CRYPTO,
    "var randomUUID = () => globalThis.crypto.randomUUID();",
  );
  const changed = replaceInModule(
    own,
    RPC_WS_UTIL,
    RPC_WS_UTIL_HTTP,
    'var http = { get STATUS_CODES() { throw new Error("ocpp-rpc\'s server is not in the program"); } };',
  );
  // Its import too: the chunk that holds `ws` loads Node's modules when imported at all.
  const withoutImport = changed.replace(
    /^import \{([^}]*)\} from ("[^"]+");\n/gm,
    (statement, names: string, from: string) => {
      const all = names.split(",").map((n) => n.trim()).filter((n) => n);
      const kept = all.filter((n) => n !== "require_ws");
      if (kept.length === all.length) return statement;
      return kept.length ? `import { ${kept.join(", ")} } from ${from};\n` : "";
    },
  );
  // Where `ws` is bundled into this chunk (nothing else uses it), its modules go too: their
  // `require`s of Node's modules would become imports the minifying pass cannot drop.
  const lean = withoutUnrequired(withoutImport);
  if (/\brequire_ws\b/.test(lean)) {
    throw new Error("Cannot build the program: ocpp-rpc's client chunk still uses `ws`");
  }
  return lean;
}

/**
 * LogTape's `inspect` as the first pass bundles it: Deno resolves the package's `#util` by its
 * `node` condition, which the package lists before its `deno` one, and gets the version that
 * imports `node:util`. Any Node module loads Deno's Node layer, about 10 ms of every start,
 * which nothing else on the way to serving HTTP needs (issue 14).
 */
const LOGTAPE_UTIL_NODE = 'import util from "node:util";\n' +
  "function inspect(obj, options) {\n  return util.inspect(obj, options);\n}\n";
/** What LogTape's `deno` condition gives: the same function on `Deno.inspect`. */
const LOGTAPE_UTIL_DENO = "function inspect(obj, options) {\n" +
  "  return Deno.inspect(obj, { colors: options?.colors, depth: options?.depth, " +
  "compact: options?.compact ?? true });\n}\n";

/** The chunk with LogTape's `inspect` on `Deno.inspect` instead of `node:util`; throws if the
 * chunk holds LogTape's `formatter` module but not that function as expected. */
export function withDenoInspect(chunk: string): string {
  if (!chunk.includes("@logtape/logtape/dist/formatter.js\n")) return chunk;
  const at = chunk.indexOf(LOGTAPE_UTIL_NODE);
  if (at < 0 || chunk.indexOf(LOGTAPE_UTIL_NODE, at + 1) >= 0) {
    throw new Error(
      "Cannot build the program: LogTape's inspect is not in the bundle as expected " +
        "(a new @logtape/logtape or deno bundle?)",
    );
  }
  return chunk.slice(0, at) + LOGTAPE_UTIL_DENO + chunk.slice(at + LOGTAPE_UTIL_NODE.length);
}

/** A bundled CommonJS module, as the first pass writes it: its `require_…` name and body. */
const COMMONJS_MODULE = /^var (require_\w+) = __commonJS\(\{\n[\s\S]*?\n\}\);\n/gm;

/** The chunk without the bundled CommonJS modules that nothing in it requires or exports. */
export function withoutUnrequired(chunk: string): string {
  const uses = new Map<string, number>();
  for (const [name] of chunk.matchAll(/\brequire_\w+/g)) uses.set(name, (uses.get(name) ?? 0) + 1);
  for (let dropped = true; dropped;) {
    dropped = false;
    chunk = chunk.replace(COMMONJS_MODULE, (block, name: string) => {
      if (uses.get(name) !== 1) return block;
      dropped = true;
      for (const [used] of block.matchAll(/\brequire_\w+/g)) uses.set(used, uses.get(used)! - 1);
      return "";
    });
  }
  return chunk;
}

/** How the bundler gives bundled CommonJS modules `require` for Node's built-in modules. */
const EAGER_REQUIRE =
  'import { createRequire as __deno_internal_createRequire } from "node:module";\n' +
  "var __require = __deno_internal_createRequire(import.meta.url);\n";

/**
 * The bundler's `require` for CommonJS modules, made on its first call instead of when the
 * program loads. After {@linkcode literalRequires} only a computed id reaches it (a native
 * addon's path, in the serial stack of an RS-485 bus).
 */
function lazyRequire(chunk: string): string {
  return chunk.replace(
    EAGER_REQUIRE,
    "var __deno_internal_require;\nvar __require = (id) => (__deno_internal_require ??= " +
      'process.getBuiltinModule("node:module").createRequire(import.meta.url))(id);\n',
  );
}

/** A bundled CommonJS module's `require` of a literal id that is no path. */
const LITERAL_REQUIRE = /__require\("([^"./][^"]*)"\)/g;

/**
 * Answers the bundled CommonJS code's `require` of literal ids without Node's module loader,
 * the costliest module of Deno's Node layer (measured beside `node:sqlite` alone: reaching a
 * built-in through `process.getBuiltinModule` or `createRequire` 16 to 58 ms and 3.5 MiB, an
 * `import` of it 5 ms; beside the modules `ws` needs, 0.4 to 0.7 MiB more):
 * - a built-in (`node:events`) becomes an `import` of it at the top of the chunk, whose default
 *   export is the object `require` gives (checked for each built-in the program requires);
 * - a package (`bufferutil`, `utf-8-validate`, `supports-color`: optional ones, probed for in a
 *   `try`) is not installed where the program runs, or the bundler would have put it inside:
 *   it throws as `require` does for a missing module.
 */
export function literalRequires(chunk: string): string {
  const builtins = new Map<string, string>();
  const body = chunk.replace(LITERAL_REQUIRE, (_call, id: string) => {
    if (!id.startsWith("node:")) {
      return `(() => { throw Object.assign(new Error("Cannot find module '${id}'"), ` +
        `{ code: "MODULE_NOT_FOUND" }); })()`;
    }
    let name = builtins.get(id);
    if (!name) builtins.set(id, name = `__node_${id.slice(5).replace(/\W/g, "_")}`);
    return name;
  });
  const imports = [...builtins].map(([id, name]) => `import ${name} from "${id}";\n`);
  return imports.join("") + body;
}

/** Marks every bundled CommonJS module pure, so the minifying pass drops the unrequired. */
function markPure(bundle: string): string {
  return bundle.replaceAll("= __commonJS({", "= /* @__PURE__ */ __commonJS({");
}

/** A chunk of a built program: the bundler's name, a hyphen and an eight-character hash. */
const CHUNK = /-[A-Z0-9]{8}\.js$/;

/**
 * The files of the program whose entry is `entry`: the entry and the chunks beside it that
 * it loads, statically or when first needed (`import()`), in the same folder.
 */
export async function programFiles(entry: string = PROGRAM_PATH): Promise<string[]> {
  const dir = dirname(entry);
  const chunks: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && CHUNK.test(e.name)) chunks.push(join(dir, e.name));
  }
  return [entry, ...chunks.sort()];
}

/**
 * Builds the program into `outFile` and its chunks beside it. Code splitting keeps what is
 * loaded with `import()` (the OCPP client and its validators, the Modbus server, MQTT, the
 * certificate generator, the device drivers, CSV) out of the file read at start, so start-up
 * compiles and evaluates only what serves HTTP. Chunks go in first, the entry last; the
 * previous build's chunks that the new one does not use are removed. `entryFile` is another
 * program built the same way (the benchmarks' stack floor).
 */
export async function buildProgram(
  outFile: string = PROGRAM_PATH,
  entryFile: string = join(ROOT, "main.ts"),
): Promise<void> {
  const dir = dirname(outFile);
  const bundled = basename(entryFile).replace(/\.ts$/, ".js");
  await Deno.mkdir(dir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir, prefix: ".program-" });
  try {
    const first = join(tmp, "first");
    const second = join(tmp, "second");
    const split = ["bundle", "--quiet", "--platform", "deno", "--code-splitting"];
    await run([...split, "--outdir", first, entryFile]);
    let found = 0;
    let requires = 0;
    let clients = 0;
    for await (const e of Deno.readDir(first)) {
      const path = join(first, e.name);
      const text = await Deno.readTextFile(path);
      const validators = text.includes(STANDARD_VALIDATORS);
      if (validators) found++;
      if (text.includes(EAGER_REQUIRE)) requires++;
      const client = text.includes(RPC_CLIENT);
      if (client) clients++;
      const own = withDenoInspect(client ? withOwnWebSocket(text) : text);
      const changed = validators ? withoutStandardValidators(own) : markPure(own);
      await Deno.writeTextFile(path, lazyRequire(literalRequires(changed)));
    }
    if (requires !== 1) {
      throw new Error(
        `Cannot build the program: the bundler's require for CommonJS is in ${requires} ` +
          "chunks, not one (a new deno bundle?)",
      );
    }
    if (clients !== 1) {
      throw new Error(
        `Cannot build the program: ocpp-rpc's client is in ${clients} chunks, not one ` +
          "(a new ocpp-rpc or deno bundle?)",
      );
    }
    if (found !== 1) {
      throw new Error(
        `Cannot build the program: ocpp-rpc's standard-validators module is in ${found} ` +
          "chunks, not one (a new ocpp-rpc or deno bundle?)",
      );
    }
    await run([...split, "--minify", "--outdir", second, join(first, bundled)]);
    const chunks: string[] = [];
    for await (const e of Deno.readDir(second)) if (e.name !== bundled) chunks.push(e.name);
    if (chunks.some((c) => !CHUNK.test(c))) {
      throw new Error(`Cannot build the program: unexpected chunk names ${chunks.join(", ")}`);
    }
    const entry = basename(outFile);
    for (const old of await programFiles(outFile)) {
      const name = basename(old);
      if (name !== entry && !chunks.includes(name)) await Deno.remove(old).catch(() => {});
    }
    for (const c of chunks) await Deno.rename(join(second, c), join(dir, c));
    await Deno.rename(join(second, bundled), outFile);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs the built program once with `--prime-code-cache` (and the station's V8 flags, which
 * V8 checks before it takes a cached compile), so that its first real start finds the code
 * cache (`code_cache.ts` says why that matters).
 */
export async function primeProgram(entry: string = PROGRAM_PATH): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", V8_FLAGS_OPTION, "--allow-all", entry, "--prime-code-cache"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(out.stderr).trim();
  if (!out.success || said !== "") {
    throw new Error(`Cannot prime the code cache of ${entry}: ${said || `exit ${out.code}`}`);
  }
}

/** The program's source and data files under `dir` (`.ts`, `.js`, `.json`), tests aside. */
export async function filesUnder(dir: string): Promise<string[]> {
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
  await primeProgram(PROGRAM_PATH);
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
