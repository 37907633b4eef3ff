/**
 * The simulator control API (`/api/sim/*`), present only with simulated hardware: plug and
 * unplug vehicles, pause them, present cards, raise and clear faults.
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import type { Station } from "../station/runtime.ts";
import { HttpError, parseBody, parseParam } from "./errors.ts";

/** What the simulator API drives: the control surface of the simulated hardware. */
export interface SimControl {
  plug(
    connectorId: number,
    options?: { phases?: 1 | 3; maxCurrentA?: number; energyToFullWh?: number },
  ): void | Promise<void>;
  unplug(connectorId: number): void | Promise<void>;
  setEvCharging(connectorId: number, charging: boolean): void | Promise<void>;
  presentCard(idTag: string): void | Promise<void>;
  raiseFault(code: string, connectorId: number): void | Promise<void>;
  clearFault(code: string, connectorId?: number): boolean | Promise<boolean>;
  activeFaults():
    | { code: string; connectorId: number }[]
    | Promise<{ code: string; connectorId: number }[]>;
}

const PlugBody = z.strictObject({
  phases: z.union([z.literal(1), z.literal(3)]).optional(),
  maxCurrentA: z.number().min(6).max(80).optional(),
  energyToFullWh: z.number().positive().max(200_000).optional(),
}).optional();
const EvBody = z.strictObject({ charging: z.boolean() });
const RfidBody = z.strictObject({ idTag: z.string().trim().min(1).max(20) });
const FaultBody = z.strictObject({
  code: z.string().min(1),
  connectorId: z.number().int().min(0).max(2),
});
const FaultQuery = z.object({
  connectorId: z.coerce.number().int().min(0).max(2).optional(),
});

/**
 * Runs a simulator action (the in-process simulation, or the board simulator's process);
 * hardware refusals (already plugged, unknown code) become 409/400.
 */
async function act(action: () => unknown, status: 400 | 409 = 409): Promise<void> {
  try {
    await action();
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) {
      throw new HttpError(status, e.message, [{ field: "state", reason: e.message }]);
    }
    throw e;
  }
}

/** Routes of the simulator API; `status` renders `GET /api/status` for the answers. */
export function simRoutes(station: Station, sim: SimControl, status: () => unknown): Hono {
  const app = new Hono();
  const connectorId = z.coerce.number({ error: "Must be a charge point number" }).int().min(1)
    .max(station.state.connectors.length, {
      error: `No such charge point: this station has ${station.state.connectors.length}`,
    });
  const done = async () => {
    await station.settled();
    return status();
  };

  app.post("/connectors/:id/plug", async (c) => {
    const id = parseParam(c, "id", connectorId);
    const body = await parseBody(c, PlugBody);
    await act(() => sim.plug(id, body ?? {}));
    return c.json(await done());
  });
  app.post("/connectors/:id/unplug", async (c) => {
    const id = parseParam(c, "id", connectorId);
    await act(() => sim.unplug(id));
    return c.json(await done());
  });
  app.post("/connectors/:id/ev", async (c) => {
    const id = parseParam(c, "id", connectorId);
    const body = await parseBody(c, EvBody);
    await act(() => sim.setEvCharging(id, body.charging));
    return c.json(await done());
  });
  app.post("/rfid", async (c) => {
    const body = await parseBody(c, RfidBody);
    await act(() => sim.presentCard(body.idTag));
    return c.json(await done());
  });
  app.get("/faults", async (c) => c.json({ faults: await sim.activeFaults() }));
  app.post("/faults", async (c) => {
    const body = await parseBody(c, FaultBody);
    await act(() => sim.raiseFault(body.code, body.connectorId), 400);
    return c.json(await done());
  });
  app.delete("/faults/:code", async (c) => {
    const code = c.req.param("code");
    const query = FaultQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new HttpError(400, "Invalid query", [{
        field: "connectorId",
        reason: query.error.issues[0]?.message ?? "Invalid",
      }]);
    }
    let cleared = false;
    await act(async () => cleared = await sim.clearFault(code, query.data.connectorId), 400);
    if (!cleared) {
      throw new HttpError(404, `Fault ${code} is not active`, [{
        field: "code",
        reason: "Not active",
      }]);
    }
    return c.json(await done());
  });
  return app;
}
