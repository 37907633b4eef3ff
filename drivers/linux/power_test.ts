import assert from "node:assert/strict";
import { rebootDevice, underSystemd } from "./power.ts";

Deno.test("power: only the station's own systemd service reboots the device", async () => {
  const env = (o: Record<string, string>) => (k: string) => o[k];
  assert.equal(
    underSystemd(env({ LADEWERK_SYSTEMD: "1", NOTIFY_SOCKET: "/run/systemd/notify" })),
    true,
  );
  assert.equal(underSystemd(env({ NOTIFY_SOCKET: "/run/systemd/notify" })), false, "another unit");
  assert.equal(underSystemd(env({ LADEWERK_SYSTEMD: "1" })), false, "not started by systemd");
  const calls: string[] = [];
  await rebootDevice((cmd, args) => {
    calls.push([cmd, ...args].join(" "));
    return Promise.resolve("");
  });
  assert.deepEqual(calls, ["systemctl reboot"]);
});
