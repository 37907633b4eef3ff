import { equal, ok } from "node:assert/strict";
import { de } from "./de.ts";
import { en } from "./en.ts";
import { translateIssue } from "./reasons.ts";
import { initialLang } from "./detect.ts";

Deno.test("initialLang() prefers the stored choice, then the browser's languages, then English", () => {
  equal(initialLang("de", ["en-US"]), "de");
  equal(initialLang(null, ["fr-FR", "de-AT", "en"]), "de");
  equal(initialLang("xx", ["en-GB"]), "en");
  equal(initialLang(null, ["fr"]), "en");
});

Deno.test("German and English have the same texts and the same placeholders", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join();
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    ok(de[key], `German text missing: ${key}`);
    equal(
      placeholders(de[key]),
      placeholders(en[key]),
      `placeholders of ${key}`,
    );
  }
  equal(Object.keys(de).length, Object.keys(en).length);
});

Deno.test("refusals are German by code or known text, and English as the server wrote them", () => {
  const gateway = {
    reason: "Must lie in the station's network (address and prefix)",
    code: "outside_subnet",
  };
  equal(translateIssue(gateway, "en"), gateway.reason);
  equal(
    translateIssue(gateway, "de"),
    "Muss im Netz der Station liegen (Adresse und Präfixlänge)",
  );
  equal(
    translateIssue({
      reason: "Too big: expected number to be <=65535",
      code: "too_big",
    }, "de"),
    "Zu groß: höchstens 65535",
  );
  equal(
    translateIssue({
      reason: "Too big: expected number to be <=65535",
      code: "invalid_value",
    }, "de"),
    "Zu groß: höchstens 65535",
  );
  equal(translateIssue({ reason: "Something new" }, "de"), "Something new");
  equal(
    translateIssue(
      { reason: "x", code: "too_short", params: { min: 10 } },
      "de",
    ),
    "Mindestens 10 Zeichen",
  );
});
