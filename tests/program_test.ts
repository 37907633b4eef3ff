/**
 * The built program (`dist/ladewerk.js` and its chunks, what `deno task start` and a slot run):
 * split so that OCPP, Modbus and MQTT load after HTTP serves, built without
 * ajv and the OCPP 2.x schemas, it still validates strictly, against the independent raw
 * backend: its Boot is schema-valid, a call that breaks the 1.6 schema gets the CALLERROR
 * ocpp-rpc's own validator would give, and a good call is answered.
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import {
  ensureProgram,
  filesUnder,
  literalRequires,
  PROGRAM_PATH,
  programFiles,
  withDenoInspect,
  withoutStandardValidators,
  withOwnWebSocket,
} from "../image/program.ts";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";
import { RawBackend } from "./helpers/raw_backend.ts";
import { startStation } from "./helpers/station_process.ts";
import type { Json } from "./helpers/ocpp_station.ts";

/** The text of the entry and every chunk it imports statically, transitively. */
async function staticallyLoaded(entry: string): Promise<string> {
  const dir = dirname(entry);
  const seen = new Set<string>();
  const texts: string[] = [];
  const visit = async (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const text = await Deno.readTextFile(join(dir, name));
    texts.push(text);
    for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) await visit(m[1]!);
  };
  await visit(basename(entry));
  return texts.join("\n");
}

Deno.test("withoutStandardValidators empties that one module and refuses a bundle without it", () => {
  const module = (body: string) =>
    `var require_standard_validators = __commonJS({\n  "x/standard-validators.js"(exports, module) {\n${body}\n  }\n});\n`;
  const bundle = `var require_a = __commonJS({\n  "a.js"() {}\n});\n` +
    module("    module.exports = [createValidator('ocpp1.6', require_ocpp1_6())];") +
    "var rest = 1;\n";
  const out = withoutStandardValidators(bundle);
  assert.doesNotMatch(out, /createValidator/);
  assert.match(out, /module\.exports = \[\];/);
  assert.match(out, /var require_a = \/\* @__PURE__ \*\/ __commonJS\(\{/);
  assert.match(out, /var rest = 1;\n$/);
  assert.throws(() => withoutStandardValidators("var x = 1;\n"), /standard-validators/);
  assert.throws(() => withoutStandardValidators(module("a") + module("b")), /standard-validators/);
});

Deno.test("literalRequires turns a require of a built-in into an import and of a package into not found", async () => {
  const chunk = 'import { __require } from "./chunk-A.js";\n' +
    'var events = __require("node:events");\nvar again = __require("node:events");\n' +
    'var later = __require("node:timers/promises");\n' +
    'var optional; try { optional = __require("bufferutil"); } catch (e) { optional = e.code; }\n' +
    "var computed = __require(name);\n";
  const out = literalRequires(chunk);
  assert.equal(out.match(/import __node_events from "node:events";/g)?.length, 1);
  assert.match(out, /^import __node_events from "node:events";\n/);
  assert.match(out, /import __node_timers_promises from "node:timers\/promises";/);
  assert.doesNotMatch(out, /__require\("/, "no literal require is left");
  assert.match(out, /var computed = __require\(name\);/, "a computed id is left to require");
  // Run it: the import gives the object Node's require gives, the package is not found.
  const body = out.replace(/^import \{ __require \} from .*\n/m, "")
    .replace("var computed = __require(name);\n", "");
  const url = `data:text/javascript,${
    encodeURIComponent(`${body}export { events, again, later, optional };`)
  }`;
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  const m = await import(url);
  assert.equal(m.events, require("node:events"));
  assert.equal(m.again, m.events);
  assert.equal(m.later, require("node:timers/promises"));
  assert.equal(m.optional, "MODULE_NOT_FOUND");
});

Deno.test("withOwnWebSocket points ocpp-rpc's client at the station's socket and drops ws with its Node modules", () => {
  const module = (name: string, path: string, body: string) =>
    `var ${name} = __commonJS({\n  "node_modules/x/${path}"(exports, module) {\n${body}\n  }\n});\n`;
  const chunk = 'import {\n  __commonJS,\n  __require\n} from "./chunk-A.js";\n' +
    module("require_stream", "ws/lib/stream.js", '    var net = __require("node:net");') +
    module("require_ws", "ws/index.js", "    module.exports = require_stream();") +
    module(
      "require_ws_util",
      "ocpp-rpc/lib/ws-util.js",
      '    var http = __require("node:http");\n    module.exports = { abort: () => http };',
    ) +
    module(
      "require_client",
      "ocpp-rpc/lib/client.js",
      '    var { randomUUID } = __require("node:crypto");\n    var WebSocket = require_ws();\n' +
        "    var util = require_ws_util();\n    module.exports = { randomUUID, WebSocket };",
    ) +
    "export default require_client();\n";
  const out = withOwnWebSocket(chunk);
  assert.doesNotMatch(out, /require_ws\b|require_stream|node:net|node:http|node:crypto/);
  assert.match(out, /var WebSocket = globalThis\[Symbol\.for\("ladewerk\.ocpp\.websocket"\)\];/);
  assert.match(out, /var randomUUID = \(\) => globalThis\.crypto\.randomUUID\(\);/);
  assert.match(out, /var require_ws_util = __commonJS/, "what is still required stays");
  // ws in a chunk of its own: only the import of it goes.
  const shared = 'import {\n  require_ws\n} from "./chunk-WS.js";\n' +
    chunk.replace(/^var require_(stream|ws) [\s\S]*?\n\}\);\n/gm, "");
  assert.doesNotMatch(withOwnWebSocket(shared), /chunk-WS|require_ws\b/);
  assert.throws(() => withOwnWebSocket(chunk.replace("var WebSocket", "var Socket")), /not in/);
});

Deno.test("withDenoInspect gives LogTape's inspect on Deno.inspect and refuses another bundle of it", async () => {
  const chunk = "// node_modules/@logtape/logtape/dist/util.node.js\n" +
    'import util from "node:util";\nfunction inspect(obj, options) {\n' +
    "  return util.inspect(obj, options);\n}\n\n" +
    "// node_modules/@logtape/logtape/dist/formatter.js\nexport { inspect };\n";
  const out = withDenoInspect(chunk);
  assert.doesNotMatch(out, /node:util/);
  const url = `data:text/javascript,${encodeURIComponent(out)}`;
  const { inspect } = await import(url);
  assert.equal(inspect({ a: [1, "x"] }), Deno.inspect({ a: [1, "x"] }, { compact: true }));
  assert.equal(withDenoInspect("var other = 1;\n"), "var other = 1;\n", "no LogTape, no change");
  assert.throws(() => withDenoInspect(chunk.replace("util.inspect", "util.format")), /not in/);
});

Deno.test({
  name: "the built program validates OCPP 1.6 strictly without ocpp-rpc's standard validators",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await ensureProgram();
    const files = await programFiles();
    assert.ok(files.length > 1, "split into an entry and the chunks it loads when needed");
    const program = (await Promise.all(files.map((f) => Deno.readTextFile(f)))).join("\n");
    const atStart = await staticallyLoaded(PROGRAM_PATH);
    for (
      const [what, text] of [
        ["the OCPP client", "GetCompositeSchedule"],
        [
          "the Modbus server",
          "Modbus TCP listening",
        ],
        ["MQTT", "MqttClient"],
        ["CSV", "CSV_QUOTE_NOT_CLOSED"],
        [
          "the cluster agents",
          "Cluster alarm: ",
        ],
        ["backup and restore", "No migration from "],
      ]
    ) {
      assert.ok(program.includes(text!), `${what} is in the program`);
      assert.ok(!atStart.includes(text!), `${what} loads after start, not with the entry`);
    }
    // Start-up reads 0.53 MiB (0.61 before CSV, backup and the cluster agents loaded on first
    // use); Zod imported as `{ z }` (its namespace object, which keeps all of Zod) made it
    // 0.95 MiB.
    const kib = new TextEncoder().encode(atStart).length / 1024;
    assert.ok(kib < 600, `start-up loads ${kib.toFixed(0)} KiB of code, under 600`);
    // Of Deno's Node modules, start-up imports node:sqlite only: any other loads more of its
    // Node layer before HTTP serves (the first timer still loads its core).
    assert.deepEqual(
      [...new Set([...atStart.matchAll(/from\s*"(node:[^"]+)"/g)].map((m) => m[1]))],
      ["node:sqlite"],
      "start-up imports no Node module but node:sqlite",
    );
    // Node's module loader is the costliest part of Deno's Node layer: the bundled CommonJS
    // code imports the built-in modules it requires, and nothing imports the loader (only a
    // computed require, of a native addon in the serial stack, makes it on first use; the OCPP
    // client loads it from source only).
    assert.doesNotMatch(program, /from\s*"node:module"/, "nothing imports node:module");
    assert.match(program, /import \w+ from\s*"node:events"/, "CommonJS code imports built-ins");
    assert.match(atStart, /getBuiltinModule\("node:module"\)/, "the lazy require is in");
    // The OCPP client's chunk (and what it imports) leaves out the Node modules of `ws` and of
    // Node's crypto: the station connects on its own socket (MQTT's chunk still has them).
    const ocppClient = files.find((f) =>
      Deno.readTextFileSync(f).includes("ladewerk.ocpp.websocket")
    );
    assert.ok(ocppClient, "a chunk hands ocpp-rpc the station's socket");
    assert.doesNotMatch(
      await staticallyLoaded(ocppClient),
      /from\s*"node:(http|https|net|tls|zlib|stream|crypto)"/,
      "the OCPP client imports none of ws's Node modules",
    );
    assert.doesNotMatch(program, /NotifyAllowedEnergyTransfer/, "no OCPP 2.1 schemas inside");
    assert.doesNotMatch(program, /strictSchema/, "no ajv inside (its option names)");

    await using backend = new RawBackend();
    await backend.start();
    await using st = await startStation({
      entry: PROGRAM_PATH,
      runtime: [Deno.execPath(), "run", "--no-config", V8_FLAGS_OPTION, "--allow-all"],
      args: ["--ocpp-url", backend.url],
    });
    await backend.waitForClient(30_000);
    // deno-lint-ignore no-explicit-any
    await st.waitFor((s: any) => s.ocpp?.registration === "Accepted", { timeoutMs: 30_000 });

    backend.sendRaw(
      JSON.stringify([2, "bad-1", "ChangeConfiguration", { key: "HeartbeatInterval" }]),
    );
    backend.sendRaw(JSON.stringify([2, "bad-2", "GetConfiguration", { key: ["x".repeat(51)] }]));
    const answer = (id: string) =>
      (async () => {
        for (let i = 0; i < 200; i++) {
          const found = backend.received.find((f: Json) => Array.isArray(f) && f[1] === id);
          if (found) return found;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`No answer to ${id}`);
      })();
    const [, , code1, text1] = await answer("bad-1");
    assert.equal(code1, "OccurenceConstraintViolation");
    assert.match(text1, /must have required property 'value'/);
    const [, , code2] = await answer("bad-2");
    assert.equal(code2, "FormationViolation", "OCPP-J 1.6 spells it so");
    const good = await backend.call<Json>("GetConfiguration", { key: ["HeartbeatInterval"] });
    assert.equal(good.configurationKey[0].key, "HeartbeatInterval");
    // The raw frames' answers are no answers to the backend's calls (and 1.6's spelling of
    // OccurenceConstraintViolation is not typed-ocpp's): every other frame fits the schemas.
    const problems = backend.problems.filter((p) => !/"bad-[12]"/.test(p));
    assert.deepEqual(problems, [], "every other frame of the station fits the schemas");
  },
});

Deno.test({
  name: "--prime-code-cache leaves Deno's code cache holding the entry and every chunk",
  sanitizeResources: false,
  async fn() {
    await ensureProgram();
    const denoDir = await Deno.makeTempDir({ prefix: "ladewerk-deno-dir-" });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-config",
          V8_FLAGS_OPTION,
          "--allow-all",
          PROGRAM_PATH,
          "--prime-code-cache",
        ],
        env: { DENO_DIR: denoDir },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(new TextDecoder().decode(out.stderr), "", "every part loads");
      assert.ok(out.success);
      // Deno 2.9's code cache: one SQLite table, a row per compiled module.
      using db = new DatabaseSync(join(denoDir, "v8_code_cache_v2"), { readOnly: true });
      const cached = new Set(
        db.prepare("SELECT specifier FROM codecache WHERE specifier LIKE 'file:%'").all()
          .map((r) => String(r.specifier)),
      );
      const files = (await programFiles()).map((f) => pathToFileURL(f).href);
      assert.deepEqual(files.filter((f) => !cached.has(f)), [], "not cached");
    } finally {
      await Deno.remove(denoDir, { recursive: true });
    }
  },
});

Deno.test("the station's code leaves ICU's formatters and collator alone (memory for life)", async () => {
  // Measured on Deno 2.9.5: the first Intl.DateTimeFormat (or toLocaleString) of a process
  // costs 6.5 MiB of RSS for its whole life, the first localeCompare 2.8 MiB; Temporal's zone
  // arithmetic (station/time_zone.ts) 2 MiB. A station idles for months: use those.
  const root = new URL("../", import.meta.url).pathname;
  const found: string[] = [];
  for (const dir of ["station", "http", "drivers"]) {
    for (const p of await filesUnder(join(root, dir))) {
      if (!p.endsWith(".ts")) continue;
      (await Deno.readTextFile(p)).split("\n").forEach((line, i) => {
        const code = line.replace(/\/\/.*$|^\s*\*.*$/, "");
        if (/\bIntl\.|\.localeCompare\(|\.toLocale\w*String\(/.test(code)) {
          found.push(`${p.slice(root.length)}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
  assert.deepEqual(found, []);
});
