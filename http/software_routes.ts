/**
 * Software (M-1.9): versions, the update upload (streamed to disk, never buffered) and the
 * diagnostics archive download.
 * @module
 */
import { join } from "../station/path.ts";
import { getLogger } from "@logtape/logtape";
import { noRoomReason, roomFor } from "../station/disk_space.ts";
import { type Streamed, streamToFile, StreamTooLarge } from "../station/stream_file.ts";
import { Hono } from "hono";
import * as z from "zod";
import { buildDiagnosticsArchive, diagnosticsFileName } from "../station/diagnostics/mod.ts";
import type { AppContext, AppEnv } from "./context.ts";
import { fieldError, HttpError, parseQuery } from "./errors.ts";
import { versions } from "./station_routes.ts";
import { BundleRefused } from "../station/update/bundle.ts";
import { NO_KEYRING } from "../station/update/mod.ts";
import { UpdateBusy } from "../station/update/updater.ts";

const log = getLogger(["ladewerk", "http"]);

/** Why an upload is not installed when the station has no update service (tests). */
export const UPDATE_REASON = "This station has no update service";

/** Largest update accepted by default: 1 GiB. */
export const MAX_UPLOAD_BYTES = 1024 ** 3;

/** Folder of uploaded updates inside the data directory. */
export const UPDATES_DIR = "updates";

const time = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: "Expected an ISO date or time such as 2026-11-24T08:00:00Z",
}).transform((s) => Date.parse(s));
const DiagnosticsQuery = z.object({ from: time.optional(), to: time.optional() });
const UpdateQuery = z.object({
  force: z.enum(["true", "false", "1", "0"], { error: "Expected true or false" }).optional()
    .transform((v) => v === "true" || v === "1"),
});

function tooLarge(max: number): HttpError {
  return new HttpError(413, `Update file too large: at most ${max} bytes`, [{
    field: "body",
    reason: `At most ${max} bytes`,
    code: "too_big",
    params: { max },
  }]);
}

async function removeOthers(dir: string, keep: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.startsWith("upload-") && e.name !== keep) {
      await Deno.remove(join(dir, e.name)).catch(() => {});
    }
  }
}

/** The routes under `/api`. */
export function softwareRoutes(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { deps, station } = ctx;
  let uploading = false;

  const updates = deps.updates;

  /** What `GET /api/software` and the upload's answer say about updates. */
  const updateState = () => {
    if (!updates) return { available: false, reason: UPDATE_REASON };
    const trusted = updates.trusted();
    return {
      available: trusted,
      ...(trusted ? {} : { reason: NO_KEYRING }),
      compatible: updates.compatible,
      ...updates.updater.status(),
    };
  };

  app.get("/software", (c) => c.json({ versions: versions(ctx), update: updateState() }));

  /** Stops an update that still waits for the running sessions to end. */
  app.post("/software/update/cancel", (c) => {
    if (!updates || !updates.updater.cancel()) {
      throw fieldError(409, "update", "No update is waiting", "not_waiting");
    }
    return c.json({ cancelled: true, update: updateState() });
  });

  /**
   * With a keyring set, an upload must be a bundle RAUC verifies (signature, intact payload,
   * this hardware, no downgrade it does not allow): then it is installed (after the running
   * sessions end, or at once with `?force=true`) and the station reboots into it. Refused:
   * the upload is deleted and the answer is 422 with the reason.
   */
  const install = async (path: string, dir: string, force: boolean) => {
    if (!updates?.trusted()) return undefined;
    try {
      const { info } = await updates.installFile(path, {
        source: "web",
        force,
        staging: join(dir, "staging"),
      });
      log.info(`Update bundle verified: ${info.compatible} ${info.version}; installing`);
      return { compatible: info.compatible, version: info.version, verified: true };
    } catch (e) {
      await Deno.remove(path).catch(() => {});
      if (e instanceof BundleRefused) {
        log.warn(`Update bundle refused: ${e.message}`);
        throw fieldError(422, "body", e.message, e.code);
      }
      if (e instanceof UpdateBusy) throw fieldError(409, "body", e.message, "busy");
      throw e;
    }
  };

  app.post("/software/update", async (c) => {
    const { force } = parseQuery(c, UpdateQuery);
    if (updates?.updater.busy) {
      throw fieldError(409, "body", "An update is being installed", "busy");
    }
    const dir = join(deps.dataDir, UPDATES_DIR);
    await Deno.mkdir(dir, { recursive: true });
    // The upload may take what lies above the database's reserve, never the reserve.
    const room = await roomFor(dir, deps.dataReserveBytes);
    const declared = Number(c.req.header("content-length"));
    const noRoom = (bytes: number) =>
      fieldError(507, "body", noRoomReason(bytes, room) ?? "Not enough free space", "no_space");
    // Without a declared length, at least one byte must fit.
    if (noRoomReason(declared > 0 ? declared : 1, room)) throw noRoom(declared > 0 ? declared : 1);
    const configured = deps.maxUploadBytes ?? MAX_UPLOAD_BYTES;
    const max = Math.min(configured, room ?? Infinity);
    if (declared > max) throw tooLarge(max);
    const body = c.req.raw.body;
    if (!body) throw fieldError(400, "body", "No file sent", "empty");
    if (uploading) throw fieldError(409, "body", "Another upload is running", "busy");
    uploading = true;
    const name = `upload-${station.hardware.clock.nowMs()}.bin`;
    const path = join(dir, name);
    let streamed: Streamed;
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      try {
        streamed = await streamToFile(body, file, { maxBytes: max });
      } catch (e) {
        await Deno.remove(path).catch(() => {});
        if (e instanceof StreamTooLarge) {
          throw max < configured ? noRoom(max + 1) : tooLarge(max);
        }
        throw fieldError(400, "body", "The upload broke off", "interrupted");
      } finally {
        file.close();
      }
      if (streamed.bytes === 0) {
        await Deno.remove(path).catch(() => {});
        throw fieldError(400, "body", "The file is empty", "empty");
      }
      await removeOthers(dir, name);
    } finally {
      uploading = false;
    }
    const { sha256, bytes } = streamed;
    log.info(`Update uploaded: ${name}, ${bytes} bytes, sha256 ${sha256}`);
    const bundle = await install(path, dir, force);
    await ctx.station.audit([{
      actor: "installer",
      action: "update",
      target: bundle?.version ?? name,
      detail: bundle ? `installing (${force ? "forced" : "after the sessions"})` : "stored only",
    }]);
    return c.json({
      file: `${UPDATES_DIR}/${name}`,
      bytes,
      sha256,
      installed: false,
      reason: bundle
        ? `Installing ${bundle.version}: the station restarts into it when done`
        : updateState().reason ?? UPDATE_REASON,
      ...(bundle ? { bundle } : {}),
      update: updateState(),
    });
  });

  app.get("/diagnostics", (c) => {
    const { from, to } = parseQuery(c, DiagnosticsQuery);
    if (from !== undefined && to !== undefined && from > to) {
      throw fieldError(400, "to", "Must not come before from", "order");
    }
    const nowMs = station.hardware.clock.nowMs();
    const archive = buildDiagnosticsArchive({
      dataDir: deps.dataDir,
      settings: station.settings,
      store: station.store,
      ...(from !== undefined ? { fromMs: from } : {}),
      ...(to !== undefined ? { toMs: to } : {}),
      nowMs,
      system: {
        serial: deps.info.serial,
        model: deps.info.model,
        vendor: deps.info.vendor,
        hardware: deps.info.hardware,
        versions: versions(ctx),
        stationTime: new Date(nowMs).toISOString(),
        uptimeS: Math.floor((nowMs - station.startedAtMs) / 1000),
        status: ctx.status(),
      },
    });
    return c.body(archive, 200, {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="${
        diagnosticsFileName(deps.info.serial, nowMs)
      }"`,
    });
  });

  return app;
}
