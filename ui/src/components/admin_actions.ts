/**
 * Actions of the admin menu that other pages offer too: restarts and the factory reset.
 * @module
 */
import { post } from "../api.ts";
import { awaitRestart } from "../session.ts";

/** Asks for a daemon or system restart and waits for the station to come back. */
export async function restart(kind: "daemon" | "system"): Promise<void> {
  await post("/api/admin/restart", { kind });
  await awaitRestart("restarted");
}

/** Resets the station to factory settings and waits for it to come back; `dropUndelivered`
 * confirms that transaction messages the backend has not received yet are lost. */
export async function factoryReset(dropUndelivered = false): Promise<void> {
  await post("/api/admin/factory-reset", {
    confirm: "RESET",
    ...(dropUndelivered ? { dropUndelivered: true } : {}),
  });
  await awaitRestart("reset");
}
