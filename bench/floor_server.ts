/**
 * The floor the station is measured against: a bare Hono server on the same Deno, answering
 * `GET /api/status` with a small JSON body, printing the same listening line as the station.
 * @module
 */
import { Hono } from "hono";

const app = new Hono();
app.get("/api/status", (c) => c.json({ ok: true, time: new Date().toISOString() }));
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`HTTP listening on http://127.0.0.1:${port} (floor)`),
}, app.fetch);
