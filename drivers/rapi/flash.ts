/**
 * Flashing an OpenEVSE board's firmware (M-1.6.2) the board's documented way: its AVR
 * bootloader through Debian's `avrdude` (`-c arduino`, the ATmega328P), on the same serial line
 * the station speaks RAPI over, which is given up for the flash and taken back after. The
 * progress comes from avrdude's `Writing | ### | 42%` and `Reading | ### | 42%` lines (write,
 * then verify).
 * @module
 */

/** How to flash a board. */
export interface FlashOptions {
  path: string;
  /** The Intel HEX file. */
  hex: string;
  /** @default "atmega328p" */
  part?: string;
  /** @default "arduino" */
  programmer?: string;
  /** The bootloader's baud rate. @default 115200 */
  baudRate?: number;
  /** @default "avrdude" */
  bin?: string;
}

/** The arguments of one avrdude run. */
export function avrdudeArgs(o: FlashOptions): string[] {
  return [
    "-p",
    o.part ?? "atmega328p",
    "-c",
    o.programmer ?? "arduino",
    "-P",
    o.path,
    "-b",
    String(o.baudRate ?? 115200),
    "-D",
    "-U",
    `flash:w:${o.hex}:i`,
  ];
}

/** The overall percentage a progress line means (writing 0..70, verifying 70..100). */
export function progressOf(line: string): number | undefined {
  const m = /(Writing|Reading)\s*\|[#\s]*\|\s*(\d{1,3})%/.exec(line);
  if (!m) return undefined;
  const p = Math.min(100, Number(m[2]));
  return m[1] === "Writing" ? Math.round(p * 0.7) : 70 + Math.round(p * 0.3);
}

/** Runs avrdude; resolves when flashed and verified, rejects with avrdude's last words. */
export async function flashBoard(
  o: FlashOptions,
  onProgress: (percent: number) => void,
): Promise<void> {
  await Deno.stat(o.hex).catch(() => {
    throw new Error(`No firmware file ${o.hex}`);
  });
  const child = new Deno.Command(o.bin ?? "avrdude", {
    args: avrdudeArgs(o),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let best = 0;
  const read = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const t of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + t).split(/[\r\n]/);
      rest = parts.pop() ?? "";
      for (const l of parts) {
        if (l.trim()) lines.push(l.trim());
        if (lines.length > 50) lines.shift();
        const p = progressOf(l);
        if (p !== undefined && p > best) onProgress(best = p);
      }
    }
    if (rest.trim()) lines.push(rest.trim());
  };
  await Promise.all([read(child.stdout), read(child.stderr)]);
  const status = await child.status;
  if (!status.success) {
    throw new Error(`avrdude failed: ${lines.at(-1) ?? `exit code ${status.code}`}`);
  }
  onProgress(100);
}
