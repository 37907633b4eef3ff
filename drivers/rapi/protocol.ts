/**
 * OpenEVSE RAPI (the firmware's `rapi_proc.h`): ASCII lines over a serial line. A command is
 * `$cc p1 p2 :ss^xk\r` (2-letter command, parameters, a 2-hex-digit sequence id the answer
 * echoes, and the XOR of every character before `^` as 2 hex digits); an answer is
 * `$OK ...` or `$NK ...` with the same tail; the EVSE also sends `$AT` (state transition:
 * evse state, pilot state, current capacity, flags) and `$AB` (boot: post code, firmware) on
 * its own.
 * @module
 */

/** The 2-hex-digit XOR checksum of `text`. */
export function xorChecksum(text: string): string {
  let x = 0;
  for (let i = 0; i < text.length; i++) x ^= text.charCodeAt(i);
  return x.toString(16).toUpperCase().padStart(2, "0");
}

/** A command line with sequence id and checksum. */
export function formatCommand(command: string, params: (string | number)[], seq: number): string {
  const body = `$${command}${params.map((p) => ` ${p}`).join("")} :${
    seq.toString(16).toUpperCase().padStart(2, "0")
  }`;
  return `${body}^${xorChecksum(body)}\r`;
}

/** A line read from the EVSE (or, for the emulator, from the host). */
export interface RapiLine {
  /** `OK`, `NK`, `AT`, `AB`, or a command name. */
  kind: string;
  params: string[];
  seq: number | undefined;
}

/** Parses one line (without the CR); undefined when malformed or the checksum is wrong. */
export function parseLine(line: string): RapiLine | undefined {
  const start = line.lastIndexOf("$");
  if (start < 0) return undefined;
  let text = line.slice(start);
  const caret = text.lastIndexOf("^");
  if (caret >= 0) {
    if (xorChecksum(text.slice(0, caret)) !== text.slice(caret + 1, caret + 3).toUpperCase()) {
      return undefined;
    }
    text = text.slice(0, caret);
  } else {
    const star = text.lastIndexOf("*");
    if (star >= 0) {
      let sum = 0;
      for (let i = 0; i < star; i++) sum = (sum + text.charCodeAt(i)) & 0xff;
      const want = sum.toString(16).toUpperCase().padStart(2, "0");
      if (want !== text.slice(star + 1, star + 3).toUpperCase()) return undefined;
      text = text.slice(0, star);
    }
  }
  const words = text.slice(1).trim().split(/\s+/);
  const kind = words.shift();
  if (!kind || !/^[A-Z0-9]{2}$/.test(kind)) return undefined;
  let seq: number | undefined;
  const last = words.at(-1);
  if (last?.startsWith(":")) {
    seq = parseInt(last.slice(1), 16);
    words.pop();
  }
  return { kind, params: words, seq };
}

/** EVSE states (`EVSE_STATE_xxx`). */
export const EVSE_STATE = {
  A: 0x01,
  B: 0x02,
  C: 0x03,
  D: 0x04,
  DIODE_CHECK_FAILED: 0x05,
  GFCI_FAULT: 0x06,
  NO_GROUND: 0x07,
  STUCK_RELAY: 0x08,
  GFI_TEST_FAILED: 0x09,
  OVER_TEMPERATURE: 0x0a,
  OVER_CURRENT: 0x0b,
  SLEEPING: 0xfe,
  DISABLED: 0xff,
} as const;

/** The station fault an EVSE fault state means (the manual's M-4 catalogue). */
export function faultOf(evseState: number): string | undefined {
  switch (evseState) {
    case EVSE_STATE.DIODE_CHECK_FAILED:
      return "EVCommunicationError";
    case EVSE_STATE.GFCI_FAULT:
    case EVSE_STATE.NO_GROUND:
    case EVSE_STATE.GFI_TEST_FAILED:
      return "GroundFailure";
    case EVSE_STATE.STUCK_RELAY:
      return "PowerSwitchFailure";
    default:
      return undefined;
  }
}
