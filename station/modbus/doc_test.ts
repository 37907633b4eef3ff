import assert from "node:assert/strict";
import { registerDoc } from "./doc.ts";

const DOC = new URL("../../docs/modbus-registers.md", import.meta.url);
const PUBLISHED = new URL("./published_map_v1.2.md", import.meta.url);
/** The contract as handed to the project, next to the repository (absent in CI). */
const ORIGINAL = new URL("../../../shared/spec/modbus-registers.md", import.meta.url);

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

interface Tables {
  /** Rows of the station block: addr, words, type, unit. */
  station: string[][];
  /** Rows of the charge point block: rel, words, type, unit, access. */
  point: string[][];
  /** Base addresses of the charge point blocks. */
  bases: number[];
}

/** The register tables of a register map document, by section, as plain cells. */
function parseTables(markdown: string): Tables {
  const tables: Tables = { station: [], point: [], bases: [] };
  let section: "station" | "point" | undefined;
  let header = true;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) {
      section = /station block/i.test(line)
        ? "station"
        : /charge point block/i.test(line)
        ? "point"
        : undefined;
      header = true;
      continue;
    }
    if (section === "point" && line.startsWith("Base address")) {
      tables.bases = [...line.matchAll(/(\d+) \(0x[0-9a-f]+\)/gi)].map((m) => Number(m[1]));
    }
    if (!section || !line.startsWith("|")) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (header || /^[-:\s|]+$/.test(line)) {
      header = false;
      continue;
    }
    const [address = "", words = "", type = "", unit = "", , access = ""] = cells;
    tables[section].push(
      section === "station" ? [address, words, type, unit] : [address, words, type, unit, access],
    );
  }
  return tables;
}

Deno.test("docs/modbus-registers.md is the text doc.ts generates from the table", async () => {
  const committed = await Deno.readTextFile(DOC);
  assert.equal(
    committed,
    registerDoc() + "\n",
    "run: deno run station/modbus/doc.ts > docs/modbus-registers.md",
  );
});

Deno.test("the generated map matches the published map 1.2 register for register", async () => {
  const generated = parseTables(registerDoc());
  const published = parseTables(await Deno.readTextFile(PUBLISHED));
  assert.equal(published.station.length, 8, "the parser found the station table");
  assert.equal(published.point.length, 17, "the parser found the charge point table");
  assert.deepEqual(generated, published);
});

Deno.test({
  name: "the published copy matches the contract the project was given (when at hand)",
  ignore: !exists(ORIGINAL),
  fn: async () => {
    const original = parseTables(await Deno.readTextFile(ORIGINAL));
    assert.deepEqual(original, parseTables(await Deno.readTextFile(PUBLISHED)));
  },
});
