/**
 * The built program (`dist/ladewerk.js`, what `deno task start` and a slot run): built without
 * ajv and the OCPP 2.x schemas, it still validates strictly, against the independent raw
 * backend: its Boot is schema-valid, a call that breaks the 1.6 schema gets the CALLERROR
 * ocpp-rpc's own validator would give, and a good call is answered.
 */
import assert from "node:assert/strict";
import { ensureProgram, PROGRAM_PATH, withoutStandardValidators } from "../image/program.ts";
import { V8_FLAGS_OPTION } from "../v8_flags.ts";
import { RawBackend } from "./helpers/raw_backend.ts";
import { startStation } from "./helpers/station_process.ts";
import type { Json } from "./helpers/ocpp_station.ts";

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

Deno.test({
  name: "the built program validates OCPP 1.6 strictly without ocpp-rpc's standard validators",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await ensureProgram();
    const program = await Deno.readTextFile(PROGRAM_PATH);
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
