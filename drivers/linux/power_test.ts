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

Deno.test("power: a reboot that logind does not answer goes to PID 1, then is forced", async () => {
  const calls: string[] = [];
  const logged: string[] = [];
  const failing = (n: number) => (cmd: string, args: string[]) => {
    calls.push([cmd, ...args].join(" "));
    return calls.length <= n
      ? Promise.reject(new Error("Call to Reboot failed: Connection timed out"))
      : Promise.resolve("");
  };
  await rebootDevice(failing(1), (l) => logged.push(l));
  assert.deepEqual(calls, [
    "systemctl reboot",
    "systemctl start reboot.target --job-mode=replace-irreversibly --no-block",
  ]);
  assert.match(logged[0]!, /systemctl reboot failed: Call to Reboot failed/);
  calls.length = 0;
  await rebootDevice(failing(2));
  assert.equal(calls.at(-1), "systemctl reboot --force");
  calls.length = 0;
  await assert.rejects(rebootDevice(failing(3)), /Connection timed out/);
  assert.equal(calls.length, 3);
});
