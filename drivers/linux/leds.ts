/**
 * LEDs through the Linux LED class (`/sys/class/leds/<name>/brightness`) or GPIO lines
 * (`gpioset`): per charge point one LED per colour (yellow is red and green together). Steady is on; pulse is one second on, one
 * off; a fault blinks its count (M-4: 300 ms on, 300 ms off, then a 2 s pause). Timing is the
 * station's, not a kernel trigger's, so a blink code is exact; a file is written only when
 * its value changes.
 * @module
 */
import { join } from "../../station/path.ts";
import type { LedPattern, Leds } from "../ports.ts";

/** The LED names of one charge point (0: the station). */
export interface PointLeds {
  green?: string;
  red?: string;
  blue?: string;
}

/** One step of a pattern: which colour is lit, for how long. */
export interface Step {
  on: boolean;
  ms: number;
}

/** The cycle a pattern repeats; steady and off are one endless step. */
export function cycleOf(p: LedPattern): Step[] {
  if (p.color === "off") return [{ on: false, ms: Infinity }];
  if (p.mode === "steady") return [{ on: true, ms: Infinity }];
  if (p.mode === "pulse") return [{ on: true, ms: 1000 }, { on: false, ms: 1000 }];
  const blinks = Math.max(1, p.blinks ?? 1);
  const steps: Step[] = [];
  for (let i = 0; i < blinks; i++) steps.push({ on: true, ms: 300 }, { on: false, ms: 300 });
  steps[steps.length - 1] = { on: false, ms: 2000 };
  return steps;
}

function colours(color: LedPattern["color"]): (keyof PointLeds)[] {
  switch (color) {
    case "yellow":
      return ["red", "green"];
    case "off":
      return [];
    default:
      return [color];
  }
}

/**
 * LEDs switched by name, the patterns timed here: the LED class and GPIO lines differ only in
 * how one LED is switched.
 */
export abstract class TimedLeds implements Leds, Disposable {
  #points: Map<number, PointLeds>;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #written = new Map<string, boolean>();
  #patterns = new Map<number, string>();
  /** Write failures (a missing LED): counted, never thrown into the station. */
  errors = 0;

  constructor(points: Partial<Record<string, PointLeds>>) {
    this.#points = new Map(
      Object.entries(points).filter((e): e is [string, PointLeds] => e[1] !== undefined)
        .map(([k, v]) => [Number(k), v]),
    );
  }

  /** Switches one LED; throws when it cannot. */
  protected abstract switch(name: string, on: boolean): void;

  #write(name: string, on: boolean): void {
    if (this.#written.get(name) === on) return;
    try {
      this.switch(name, on);
      this.#written.set(name, on);
    } catch {
      this.errors++;
    }
  }

  #show(connectorId: number, color: LedPattern["color"], on: boolean): void {
    const leds = this.#points.get(connectorId);
    if (!leds) return;
    const lit = new Set(on ? colours(color) : []);
    for (const c of ["green", "red", "blue"] as const) {
      const name = leds[c];
      if (name) this.#write(name, lit.has(c));
    }
  }

  set(connectorId: number, pattern: LedPattern): void {
    const key = JSON.stringify(pattern);
    if (this.#patterns.get(connectorId) === key) return;
    this.#patterns.set(connectorId, key);
    clearTimeout(this.#timers.get(connectorId));
    const steps = cycleOf(pattern);
    const run = (i: number) => {
      const step = steps[i % steps.length]!;
      this.#show(connectorId, pattern.color, step.on);
      if (Number.isFinite(step.ms)) {
        this.#timers.set(connectorId, setTimeout(() => run(i + 1), step.ms));
      }
    };
    run(0);
  }

  [Symbol.dispose](): void {
    for (const t of this.#timers.values()) clearTimeout(t);
  }
}

/** LEDs of the LED class (`<root>/<name>/brightness`, full brightness when on). */
export class SysfsLeds extends TimedLeds {
  #root: string;

  constructor(o: { root?: string; points: Partial<Record<string, PointLeds>> }) {
    super(o.points);
    this.#root = o.root ?? "/sys/class/leds";
  }

  protected switch(name: string, on: boolean): void {
    const dir = join(this.#root, name);
    let max = "1";
    try {
      max = Deno.readTextFileSync(join(dir, "max_brightness")).trim() || "1";
    } catch { /* 1 */ }
    Deno.writeTextFileSync(join(dir, "brightness"), on ? max : "0");
  }
}

/**
 * LEDs on GPIO lines through Debian's gpiod tools (libgpiod 1.6: `gpioset <chip> <line>=<0|1>`);
 * an LED's name is `chip:line`, e.g. `gpiochip0:17`.
 */
export class GpioLeds extends TimedLeds {
  #run: (cmd: string, args: string[]) => Promise<string>;

  constructor(o: {
    points: Partial<Record<string, PointLeds>>;
    run: (cmd: string, args: string[]) => Promise<string>;
  }) {
    super(o.points);
    this.#run = o.run;
  }

  protected switch(name: string, on: boolean): void {
    const [chip, line] = name.split(":");
    if (!chip || !line || !/^\d+$/.test(line)) throw new RangeError(`Not chip:line: ${name}`);
    void this.#run("gpioset", [chip, `${line}=${on ? 1 : 0}`]).catch(() => this.errors++);
  }
}
