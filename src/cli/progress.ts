/**
 * The live progress line of `nnbench run` on standard error: which benchmarks are running, how many
 * are done, and the native memory held. Shown only on a terminal and never when `CI` is set.
 */
import { nativeMemory } from "../native/index.js";
import { formatBytes, truncate } from "../text/units.js";

/** Native bytes tensors hold now, for the progress line (0 if the addon cannot say). */
export function heldNativeBytes(): number {
  try {
    return nativeMemory().bytes;
  } catch {
    return 0;
  }
}

/** Whether a progress display belongs on `stream`. */
export function progressEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.CI === undefined || env.CI === "" || env.CI === "false");
}

/** A single self-rewriting status line. */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #total: number | undefined;
  #done = 0;
  #failed = 0;
  #running: string[] = [];
  /** Benchmarks done per worker, in distributed runs. */
  readonly #workers = new Map<string, number>();
  #nativeBytes = 0;
  #last = 0;
  #shown = false;

  constructor(stream: NodeJS.WriteStream, enabled: boolean, total?: number) {
    this.#stream = stream;
    this.#enabled = enabled;
    this.#total = total;
  }

  set total(total: number | undefined) {
    this.#total = total;
  }

  start(name: string, nativeBytes: number): void {
    this.#running.push(name);
    this.#nativeBytes = nativeBytes;
    this.#draw(true);
  }

  end(name: string, failed: boolean, nativeBytes: number, worker?: string): void {
    const i = this.#running.indexOf(name);
    if (i >= 0) this.#running.splice(i, 1);
    this.#done++;
    if (worker !== undefined) this.#workers.set(worker, (this.#workers.get(worker) ?? 0) + 1);
    if (failed) this.#failed++;
    this.#nativeBytes = nativeBytes;
    this.#draw(true);
  }

  memory(nativeBytes: number): void {
    this.#nativeBytes = nativeBytes;
    this.#draw(false);
  }

  #draw(force: boolean): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const count = `[${this.#done}/${this.#total !== undefined && this.#total >= 0 ? this.#total : "?"}]`;
    const failed = this.#failed > 0 ? ` ${this.#failed} failed ·` : "";
    const running = this.#running.length > 0 ? ` running ${this.#running.join(", ")} ·` : "";
    const columns = this.#stream.columns;
    const width = Math.max(20, (columns !== undefined && columns > 0 ? columns : 80) - 1);
    const workers = this.#workers.size > 0 ? ` ${[...this.#workers].map(([w, n]) => `${w} ${n}`).join(", ")} ·` : "";
    const line = truncate(`${count}${failed}${workers}${running} native ${formatBytes(this.#nativeBytes)}`, width);
    this.#stream.write(`\r\u001b[2K${line}`);
    this.#shown = true;
  }

  /** Removes the line. */
  clear(): void {
    if (this.#enabled && this.#shown) this.#stream.write("\r\u001b[2K");
    this.#shown = false;
  }
}
