import assert from "node:assert/strict";
import { helpText, parseOptions } from "./options.ts";

const noEnv = () => undefined;

Deno.test("options: command line over environment over defaults", () => {
  const env = (name: string) => ({ LADEWERK_SERIAL: "42", LADEWERK_HTTP_PORT: "9000" })[name];
  const r = parseOptions(["--http-port", "0", "--connectors=1"], env);
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.equal(r.options["http-port"], 0, "the command line wins");
  assert.equal(r.options.serial, "42", "then the environment");
  assert.equal(r.options["https-port"], 8443, "then the default");
  assert.equal(r.options.connectors, 1);
});

Deno.test("options: --help and --prime-code-cache are answers of their own", () => {
  assert.deepEqual(parseOptions(["--help"], noEnv), { kind: "help", text: helpText() });
  assert.deepEqual(parseOptions(["--prime-code-cache"], noEnv), { kind: "prime" });
  assert.match(helpText(), /--prime-code-cache/);
});

Deno.test("options: an unknown option or a bad value is refused with the option named", () => {
  const unknown = parseOptions(["--no-such-thing"], noEnv);
  assert.equal(unknown.kind, "error");
  const bad = parseOptions(["--connectors", "3", "--serial", "x1"], noEnv);
  assert.equal(bad.kind, "error");
  if (bad.kind !== "error") return;
  assert.match(bad.message, /--connectors: Must be 1 or 2/);
  assert.match(bad.message, /--serial: Must be 1 to 10 digits/);
});

Deno.test("options: the command line's forms, and each malformed one refused with the reason", () => {
  const run = (args: string[]) => {
    const r = parseOptions(args, noEnv);
    assert.equal(r.kind, "run", JSON.stringify(args));
    return r.kind === "run" ? r.options : undefined;
  };
  assert.equal(run(["--ocpp-url=ws://h/x?a=b"])?.["ocpp-url"], "ws://h/x?a=b", "= in a value");
  assert.equal(run(["--ocpp-url", "ws://h/x"])?.["ocpp-url"], "ws://h/x");
  assert.equal(run(["--serial", "1", "--serial", "2"])?.serial, "2", "the last one counts");
  assert.equal(run(["--factory-password=-x-"])?.["factory-password"], "-x-");
  assert.equal(parseOptions(["-h"], noEnv).kind, "help");
  const refused: [string[], RegExp][] = [
    [["--serial"], /'--serial <value>' argument missing/],
    [["--serial", "--connectors", "1"], /'--serial' is followed by '--connectors'.*--serial=/],
    [["main.ts"], /Unexpected argument 'main.ts'/],
    [["--"], /Unexpected argument '--'/],
    [["-x"], /Unexpected argument '-x'/],
    [["--help=yes"], /'--help' does not take a value/],
    [["--no-such=1"], /Unknown option '--no-such'/],
    [["--h"], /Unknown option '--h'/],
  ];
  for (const [args, reason] of refused) {
    const r = parseOptions(args, noEnv);
    assert.equal(r.kind, "error", JSON.stringify(args));
    if (r.kind === "error") {
      assert.match(r.message, reason);
      assert.ok(r.message.endsWith(helpText()), "the help follows the reason");
    }
  }
});
