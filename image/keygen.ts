/**
 * `deno task keygen -- --out DIR [--name NAME]`: a development signing key and certificate for
 * update bundles. Put the certificate (several, to rotate keys) into the keyring the station
 * trusts (`--update-keyring FILE`). Never ship the key in an image.
 * @module
 */
import { parseArgs } from "node:util";
import { makeSigningKey } from "./tools.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string" }, name: { type: "string" } },
  strict: true,
});
if (!values.out) {
  console.error("Usage: deno task keygen -- --out DIR [--name NAME]");
  Deno.exit(2);
}
const made = await makeSigningKey(values.out, values.name ?? "development");
console.log(`key ${made.key}\ncertificate ${made.cert}`);
