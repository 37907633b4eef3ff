import assert from "node:assert/strict";
import type { WhitelistEntry } from "../types.ts";
import type { AuthResult, IdentificationMode } from "../types.ts";
import { authorizeLocal, sameIdTag } from "./auth.ts";

const NOW_MS = 1_700_000_000_000;

function entry(fields: Partial<WhitelistEntry> = {}): WhitelistEntry {
  return {
    uid: "04A2B3C4D5",
    gid: null,
    expiryAtMs: null,
    authorization: "accepted",
    deleted: false,
    ...fields,
  };
}

/** Name, mode, id tag, whitelist entry of the id, expected result. */
const CASES: [string, IdentificationMode, string, WhitelistEntry | undefined, AuthResult][] = [];

const MODES: IdentificationMode[] = ["anyCard", "none", "validCard"];
for (const mode of MODES) {
  CASES.push(
    [`${mode}: the master key`, mode, "MASTER-1", undefined, {
      status: "Accepted",
      source: "masterKey",
    }],
    [`${mode}: the master key in any case`, mode, "master-1", undefined, {
      status: "Accepted",
      source: "masterKey",
    }],
    [
      `${mode}: the master key even when the whitelist blocks it`,
      mode,
      "MASTER-1",
      entry({ uid: "MASTER-1", authorization: "blocked" }),
      { status: "Accepted", source: "masterKey" },
    ],
  );
}

CASES.push(
  // anyCard (offline): every card.
  ["anyCard: an unknown card", "anyCard", "ABC", undefined, {
    status: "Accepted",
    source: "anyCard",
  }],
  ["anyCard: a blocked card", "anyCard", "ABC", entry({ authorization: "blocked" }), {
    status: "Accepted",
    source: "anyCard",
  }],
  ["anyCard: a deleted card", "anyCard", "ABC", entry({ deleted: true }), {
    status: "Accepted",
    source: "anyCard",
  }],
  // none: the dummy id; real cards fall back to the whitelist.
  ["none: the dummy id", "none", "FREE", undefined, { status: "Accepted", source: "dummy" }],
  ["none: the dummy id in any case", "none", "free", undefined, {
    status: "Accepted",
    source: "dummy",
  }],
  ["none: an unknown card", "none", "ABC", undefined, { status: "Invalid", source: "whitelist" }],
  ["none: a card on the whitelist", "none", "04A2B3C4D5", entry(), {
    status: "Accepted",
    source: "whitelist",
  }],
  // validCard: the whitelist decides.
  ["validCard: an unknown card", "validCard", "ABC", undefined, {
    status: "Invalid",
    source: "whitelist",
  }],
  ["validCard: the dummy id is no card", "validCard", "FREE", undefined, {
    status: "Invalid",
    source: "whitelist",
  }],
  ["validCard: an accepted entry", "validCard", "04A2B3C4D5", entry(), {
    status: "Accepted",
    source: "whitelist",
  }],
  ["validCard: an accepted entry matched in another case", "validCard", "04a2b3c4d5", entry(), {
    status: "Accepted",
    source: "whitelist",
  }],
  [
    "validCard: the GID becomes the parentIdTag",
    "validCard",
    "04A2B3C4D5",
    entry({ gid: "FLEET" }),
    {
      status: "Accepted",
      source: "whitelist",
      parentIdTag: "FLEET",
    },
  ],
  [
    "validCard: expiry a millisecond ahead accepts until then",
    "validCard",
    "04A2B3C4D5",
    entry({ expiryAtMs: NOW_MS + 1 }),
    { status: "Accepted", source: "whitelist", expiresAtMs: NOW_MS + 1 },
  ],
  ["validCard: expiry exactly now", "validCard", "04A2B3C4D5", entry({ expiryAtMs: NOW_MS }), {
    status: "Expired",
    source: "whitelist",
  }],
  ["validCard: expiry in the past", "validCard", "04A2B3C4D5", entry({ expiryAtMs: 1 }), {
    status: "Expired",
    source: "whitelist",
  }],
  ["validCard: a blocked entry", "validCard", "04A2B3C4D5", entry({ authorization: "blocked" }), {
    status: "Blocked",
    source: "whitelist",
  }],
  [
    "validCard: an entry marked expired",
    "validCard",
    "04A2B3C4D5",
    entry({ authorization: "expired" }),
    {
      status: "Expired",
      source: "whitelist",
    },
  ],
  [
    "validCard: an entry marked invalid",
    "validCard",
    "04A2B3C4D5",
    entry({ authorization: "invalid" }),
    {
      status: "Invalid",
      source: "whitelist",
    },
  ],
  [
    "validCard: an entry marked concurrentTx",
    "validCard",
    "04A2B3C4D5",
    entry({ authorization: "concurrentTx" }),
    { status: "ConcurrentTx", source: "whitelist" },
  ],
  ["validCard: a deleted entry", "validCard", "04A2B3C4D5", entry({ deleted: true }), {
    status: "Invalid",
    source: "whitelist",
  }],
  [
    "validCard: a deleted blocked entry is simply unknown",
    "validCard",
    "04A2B3C4D5",
    entry({ deleted: true, authorization: "blocked" }),
    { status: "Invalid", source: "whitelist" },
  ],
  [
    "validCard: a blocked entry past its expiry reads Expired",
    "validCard",
    "04A2B3C4D5",
    entry({ authorization: "blocked", expiryAtMs: NOW_MS }),
    { status: "Expired", source: "whitelist" },
  ],
);

for (const [name, mode, idTag, whitelisted, expected] of CASES) {
  Deno.test(`authorizeLocal(): ${name}`, () => {
    const result = authorizeLocal({
      idTag,
      mode,
      masterKey: "MASTER-1",
      dummyIdTag: "FREE",
      ...(whitelisted ? { entry: whitelisted } : {}),
      nowMs: NOW_MS,
    });
    assert.deepEqual(result, expected);
  });
}

Deno.test("sameIdTag() compares id tags case-insensitively and nothing else", () => {
  assert.equal(sameIdTag("04a2b3", "04A2B3"), true);
  assert.equal(sameIdTag("04A2B3", "04A2B3 "), false);
  assert.equal(sameIdTag("04A2B3", "04A2B4"), false);
});
