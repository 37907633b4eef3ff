/**
 * A PN532 RFID reader over UART (HSU, 115200 baud), by NXP's documented frames (`frame.ts`):
 * wake-up preamble, SAMConfiguration (normal mode), then InListPassiveTarget (106 kbps
 * type A) a few times a second. A card's UID is reported once until the card is taken away;
 * a reader that does not answer (GetFirmwareVersion, or three polls in a row) raises
 * ReaderFailure on the station, which clears when it answers again.
 * @module
 */
import { ReaderBase } from "../reader_base.ts";
import { type LineSettings, SerialLine } from "../rtu/line.ts";
import { cutFrame, frame, TFI_HOST } from "./frame.ts";

const GET_FIRMWARE_VERSION = 0x02;
const SAM_CONFIGURATION = 0x14;
const IN_LIST_PASSIVE_TARGET = 0x4a;

/** Options of {@linkcode Pn532Reader}. */
export interface Pn532Options extends Partial<LineSettings> {
  path: string;
  /** Poll period. @default 300 */
  pollMs?: number;
  /** Answer timeout. @default 500 */
  timeoutMs?: number;
}

/** The reader. */
export class Pn532Reader extends ReaderBase implements AsyncDisposable {
  #o: Pn532Options;
  #line: SerialLine | undefined;
  #buf = new Uint8Array(0);
  #waiting: { resolve: (data: Uint8Array) => void; acked: boolean } | undefined;
  #misses = 0;
  #present: string | undefined;
  #absent = 0;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  firmware = "";

  constructor(o: Pn532Options) {
    super();
    this.#o = o;
  }

  /** Opens the line and starts polling. */
  start(): void {
    this.#loop = this.#run();
  }

  #take(bytes: Uint8Array): void {
    const all = new Uint8Array(this.#buf.length + bytes.length);
    all.set(this.#buf);
    all.set(bytes, this.#buf.length);
    this.#buf = all.length > 1024 ? all.slice(-256) : all;
    for (let f = cutFrame(this.#buf); f; f = cutFrame(this.#buf)) {
      this.#buf = f.rest;
      if (f.kind === "ack" && this.#waiting) this.#waiting.acked = true;
      if (f.kind === "frame" && this.#waiting) {
        const w = this.#waiting;
        this.#waiting = undefined;
        w.resolve(f.data);
      }
    }
  }

  /** Sends a command; resolves with the answer's data (response code first). */
  async #command(code: number, params: number[]): Promise<Uint8Array> {
    const line = this.#line;
    if (!line?.isOpen) throw new Error("PN532 line closed");
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error("PN532: no answer"));
      }, this.#o.timeoutMs ?? 500);
      this.#waiting = {
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
        acked: false,
      };
    });
    await line.write(frame(TFI_HOST, [code, ...params]));
    const data = await answer;
    if (data[0] !== code + 1) throw new Error(`PN532: answer ${data[0]} to command ${code}`);
    return data;
  }

  async #open(): Promise<void> {
    this.#line?.close();
    this.#line = await SerialLine.open(this.#o.path, {
      baudRate: this.#o.baudRate ?? 115200,
      parity: this.#o.parity ?? "none",
      stopBits: this.#o.stopBits ?? 1,
    }, (b) => this.#take(b));
    // HSU wake-up: a long preamble before the first command.
    await this.#line.write(new Uint8Array([0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const fw = await this.#command(GET_FIRMWARE_VERSION, []);
    this.firmware = `PN5${fw[1]?.toString(16)} ${fw[2]}.${fw[3]}`;
    await this.#command(SAM_CONFIGURATION, [0x01, 0x14, 0x01]);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (!this.#line?.isOpen) await this.#open();
        const data = await this.#command(IN_LIST_PASSIVE_TARGET, [0x01, 0x00]);
        this.#misses = 0;
        this.failing(false);
        this.#seen(data);
      } catch {
        if (++this.#misses >= 3 || !this.#line?.isOpen) {
          this.failing(true);
          this.#line?.close();
        }
      }
      await new Promise((r) => setTimeout(r, this.#o.pollMs ?? 300));
    }
  }

  /** InListPassiveTarget's answer: D5 4B NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID... */
  #seen(data: Uint8Array): void {
    const count = data[1] ?? 0;
    if (count === 0) {
      if (++this.#absent >= 2) this.#present = undefined;
      return;
    }
    this.#absent = 0;
    const len = data[6] ?? 0;
    const uid = [...data.slice(7, 7 + len)].map((b) => b.toString(16).padStart(2, "0")).join("")
      .toUpperCase();
    if (uid === "" || uid === this.#present) return;
    this.#present = uid;
    this.token(uid);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    this.#line?.close();
  }
}
