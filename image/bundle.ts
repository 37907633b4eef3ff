/**
 * `deno task bundle -- --key KEY.pem --cert CERT.pem --version X.Y.Z --out FILE
 * [--compatible NAME] [--downgrade-from X.Y.Z] [--payload FILE]`: a signed RAUC bundle of the
 * current tree (the program bundled into one file, the built UI, the version), or of a given
 * payload file.
 * @module
 */
import { parseArgs } from "node:util";
import { buildBundle, buildPayload } from "./tools.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    key: { type: "string" },
    cert: { type: "string" },
    version: { type: "string" },
    out: { type: "string" },
    compatible: { type: "string" },
    "downgrade-from": { type: "string" },
    payload: { type: "string" },
  },
  strict: true,
});
const { key, cert, version, out } = values;
if (!key || !cert || !version || !out || !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error(
    "Usage: deno task bundle -- --key KEY.pem --cert CERT.pem --version X.Y.Z --out FILE " +
      "[--compatible NAME] [--downgrade-from X.Y.Z] [--payload FILE]",
  );
  Deno.exit(2);
}
let payload = values.payload;
if (!payload) {
  payload = await Deno.makeTempFile({ suffix: ".tar" });
  await buildPayload({ version, out: payload });
}
await buildBundle({
  key,
  cert,
  version,
  out,
  payload,
  ...(values.compatible ? { compatible: values.compatible } : {}),
  ...(values["downgrade-from"] ? { downgradeFrom: values["downgrade-from"] } : {}),
});
console.log(`bundle ${out} (${version})`);
