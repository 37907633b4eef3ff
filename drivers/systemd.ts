/**
 * The systemd service protocol (`sd_notify`), through Debian's `systemd-notify` (the unit has
 * `NotifyAccess=all`): READY=1 once the station passed its health checks, and WATCHDOG=1 every
 * half `WatchdogSec` from the event loop, so a station whose loop hangs is restarted by
 * systemd. Without `NOTIFY_SOCKET` (not started by systemd) it does nothing.
 * @module
 */

/** Tells systemd about the service; `stop()` ends the watchdog pings. */
export interface SystemdNotifier {
  ready(): void;
  stop(): void;
}

/** Options of {@linkcode systemdNotifier}. */
export interface SystemdOptions {
  env?: (name: string) => string | undefined;
  /** @default "systemd-notify" */
  bin?: string;
}

/** Starts the watchdog pings when systemd asked for them. */
export function systemdNotifier(o: SystemdOptions = {}): SystemdNotifier {
  const env = o.env ?? ((name) => Deno.env.get(name));
  if (!env("NOTIFY_SOCKET")) return { ready() {}, stop() {} };
  const bin = o.bin ?? "systemd-notify";
  const send = (...args: string[]) => {
    new Deno.Command(bin, { args: [`--pid=${Deno.pid}`, ...args], stdout: "null", stderr: "null" })
      .output().catch(() => {/* systemd will notice the missing pings */});
  };
  const usec = Number(env("WATCHDOG_USEC"));
  const timer = usec > 0
    ? setInterval(() => send("WATCHDOG=1"), Math.max(100, usec / 2000))
    : undefined;
  let readySent = false;
  return {
    ready() {
      if (readySent) return;
      readySent = true;
      send("--ready");
    },
    stop() {
      clearInterval(timer);
    },
  };
}
