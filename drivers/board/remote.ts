/**
 * The station's side of the board simulator: its `/api/sim/*` calls go to the board process's
 * control API, and each answers once the station's own drivers have seen the change on their
 * lines (the board's EVSE state through RAPI, the card through the PN532), so the simulator
 * API keeps its contract: the status it returns has processed the action.
 * @module
 */
import type { ChargeController, TokenReader } from "../ports.ts";
import type { PointState } from "./board.ts";

/** How long a change on the board may take to reach the station's drivers. */
const SEEN_WITHIN_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The simulator controls of a device whose parts are the board simulator's emulators. */
export class BoardSimControl {
  readonly url: string;
  #controllers: readonly ChargeController[];
  #reader: TokenReader;

  constructor(url: string, hw: { controllers: readonly ChargeController[]; reader: TokenReader }) {
    this.url = url.replace(/\/$/, "");
    this.#controllers = hw.controllers;
    this.#reader = hw.reader;
  }

  async #call(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        ...(body !== undefined
          ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
          : {}),
        signal: AbortSignal.timeout(SEEN_WITHIN_MS),
      });
    } catch (e) {
      throw new Error(`Board simulator at ${this.url} not reachable: ${e}`);
    }
    if (res.ok || res.status === 404) return res;
    const err = await res.json().catch(() => ({})) as { error?: string; reason?: string };
    const reason = err.reason ?? err.error ?? `HTTP ${res.status}`;
    // The simulator API's convention: RangeError is a state conflict (409), TypeError bad input.
    throw res.status === 409 ? new RangeError(reason) : new TypeError(reason);
  }

  /** Acts on point `id` and waits until its controller reports the board's new EVSE state. */
  async #point(id: number, path: string, body?: unknown): Promise<void> {
    const res = await this.#call("POST", `/connectors/${id}/${path}`, body);
    const { points } = await res.json() as { points: PointState[] };
    const want = points.find((p) => p.id === id)!.evseState;
    const controller = this.#controllers.find((c) => c.connectorId === id) as
      | (ChargeController & { evseState?: number })
      | undefined;
    const end = performance.now() + SEEN_WITHIN_MS;
    while (controller?.evseState !== undefined && controller.evseState !== want) {
      if (performance.now() > end) {
        throw new Error(`Charge point ${id}: the board's state did not reach the station`);
      }
      await sleep(10);
    }
  }

  plug(id: number, o: { phases?: 1 | 3; maxCurrentA?: number } = {}): Promise<void> {
    const body = {
      ...(o.phases ? { phases: o.phases } : {}),
      ...(o.maxCurrentA ? { maxCurrentA: o.maxCurrentA } : {}),
    };
    return this.#point(id, "plug", body);
  }

  unplug(id: number): Promise<void> {
    return this.#point(id, "unplug");
  }

  setEvCharging(id: number, charging: boolean): Promise<void> {
    return this.#point(id, "ev", { charging });
  }

  /** Holds the card on the reader until the station's reader has read it. */
  async presentCard(idTag: string): Promise<void> {
    let seen: () => void = () => {};
    const read = new Promise<void>((resolve) => seen = resolve);
    const off = this.#reader.onToken((uid) => {
      if (uid === idTag.toUpperCase()) seen();
    });
    try {
      await this.#call("POST", "/rfid", { uid: idTag });
      const timeout = sleep(SEEN_WITHIN_MS).then(() => {
        throw new Error("The reader did not read the card");
      });
      await Promise.race([read, timeout]);
    } finally {
      off();
    }
  }

  async raiseFault(code: string, connectorId: number): Promise<void> {
    await this.#call("POST", "/faults", { code, connectorId });
  }

  async clearFault(code: string, connectorId?: number): Promise<boolean> {
    const query = connectorId !== undefined ? `?connectorId=${connectorId}` : "";
    const res = await this.#call("DELETE", `/faults/${encodeURIComponent(code)}${query}`);
    await res.body?.cancel();
    return res.ok;
  }

  async activeFaults(): Promise<{ code: string; connectorId: number }[]> {
    const res = await this.#call("GET", "/faults");
    return (await res.json() as { faults: { code: string; connectorId: number }[] }).faults;
  }
}
