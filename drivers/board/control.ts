/**
 * The board simulator's control API on loopback: what a vehicle, a card or a fault does to the
 * emulated hardware. The station forwards its `/api/sim/*` calls here when its device
 * description names the simulator; tests may call it directly. Every body is validated; a
 * refusal is 400 or 409 with the field and the reason, like the station's API.
 * @module
 */
import { Hono } from "hono";
import * as z from "zod";
import { errorResponse, HttpError, parseBody, parseParam, parseQuery } from "../../http/errors.ts";
import type { SimBoard } from "./board.ts";

const PlugBody = z.strictObject({
  phases: z.union([z.literal(1), z.literal(3)]).optional(),
  maxCurrentA: z.number().min(6).max(80).optional(),
}).optional();
const EvBody = z.strictObject({ charging: z.boolean() });
const CardBody = z.strictObject({ uid: z.string().min(1).max(20) });
const FaultBody = z.strictObject({ code: z.string().min(1), connectorId: z.int().min(1).max(2) });
const FaultQuery = z.object({ connectorId: z.coerce.number().int().min(1).max(2).optional() });
const id = z.coerce.number({ error: "Must be a charge point number" }).int().min(1).max(2);

/** Runs an action; the board's refusals (RangeError: state, TypeError: input) become 409/400. */
async function act(action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (e) {
    if (e instanceof RangeError) {
      throw new HttpError(409, e.message, [{ field: "state", reason: e.message }]);
    }
    if (e instanceof TypeError) {
      throw new HttpError(400, e.message, [{ field: "code", reason: e.message }]);
    }
    throw e;
  }
}

/** The control routes; every answer is the board's state. */
export function controlApp(board: SimBoard): Hono {
  const app = new Hono();
  app.onError(errorResponse);
  const state = () => ({ points: board.state(), card: board.reader.card ?? null });
  app.get("/state", (c) => c.json(state()));
  app.post("/connectors/:id/plug", async (c) => {
    const n = parseParam(c, "id", id);
    const body = await parseBody(c, PlugBody);
    await act(() => board.plug(n, body ?? {}));
    return c.json(state());
  });
  app.post("/connectors/:id/unplug", async (c) => {
    await act(() => board.unplug(parseParam(c, "id", id)));
    return c.json(state());
  });
  app.post("/connectors/:id/ev", async (c) => {
    const n = parseParam(c, "id", id);
    const body = await parseBody(c, EvBody);
    await act(() => board.setEvCharging(n, body.charging));
    return c.json(state());
  });
  app.post("/connectors/:id/reboot", async (c) => {
    await act(() => board.reboot(parseParam(c, "id", id)));
    return c.json(state());
  });
  app.post("/rfid", async (c) => {
    const body = await parseBody(c, CardBody);
    try {
      board.presentCard(body.uid);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new HttpError(400, reason, [{ field: "uid", reason }]);
    }
    return c.json(state());
  });
  app.get("/faults", (c) => c.json({ faults: board.activeFaults() }));
  app.post("/faults", async (c) => {
    const body = await parseBody(c, FaultBody);
    await act(() => board.raiseFault(body.code, body.connectorId));
    return c.json(state());
  });
  app.delete("/faults/:code", async (c) => {
    const q = parseQuery(c, FaultQuery);
    let cleared = false;
    await act(async () => cleared = await board.clearFault(c.req.param("code"), q.connectorId));
    if (!cleared) {
      throw new HttpError(404, `Fault ${c.req.param("code")} is not shown`, [{
        field: "code",
        reason: "Not active",
      }]);
    }
    return c.json(state());
  });
  return app;
}
