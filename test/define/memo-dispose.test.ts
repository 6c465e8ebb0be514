/** How eviction frees values of any runtime: the dispose methods in order, async ones awaited, custom disposers. */
import { afterEach, describe, expect, it } from "vitest";
import { clearMemoCache, disposeValue, evictMemo, evictMemoAsync, Memo, memo, cachedMemo } from "nnbench";

afterEach(() => clearMemoCache({ dispose: false }));

/** An object with every dispose method, recording which one ran. */
function allMethods(calls: string[]): object {
  return {
    [Symbol.asyncDispose]: async () => {
      await new Promise((r) => setTimeout(r, 5));
      calls.push("asyncDispose");
    },
    [Symbol.dispose]: () => calls.push("dispose-symbol"),
    dispose: () => calls.push("dispose"),
    release: () => calls.push("release"),
    close: () => calls.push("close"),
  };
}

describe("disposeValue", () => {
  it("calls the first of asyncDispose, Symbol.dispose, dispose(), release(), close()", async () => {
    const calls: string[] = [];
    await disposeValue(allMethods(calls));
    expect(calls).toEqual(["asyncDispose"]);
    const { [Symbol.asyncDispose]: _a, ...sync } = allMethods(calls) as Record<string | symbol, unknown>;
    calls.length = 0;
    expect(disposeValue(sync)).toBeUndefined();
    expect(calls).toEqual(["dispose-symbol"]);
    calls.length = 0;
    disposeValue({ release: () => calls.push("release"), close: () => calls.push("close") });
    expect(calls).toEqual(["release"]);
    calls.length = 0;
    disposeValue({ close: () => calls.push("close") });
    expect(calls).toEqual(["close"]);
  });

  it("returns a promise that settles when an async release() has finished", async () => {
    let released = false;
    const session = { release: () => new Promise<void>((r) => setTimeout(() => ((released = true), r()), 10)) };
    const p = disposeValue([session]);
    expect(p).toBeInstanceOf(Promise);
    expect(released).toBe(false);
    await p;
    expect(released).toBe(true);
  });
});

describe("eviction", () => {
  it("evictMemoAsync awaits the value's asynchronous disposal", async () => {
    const calls: string[] = [];
    const m = memo(() => allMethods(calls), "all");
    m.call();
    await evictMemoAsync(m);
    expect(calls).toEqual(["asyncDispose"]);
  });

  it("a memo's own disposer replaces the dispose methods, and an eviction's disposer replaces both", async () => {
    const calls: string[] = [];
    const viaOption = memo(() => ({ release: () => calls.push("release") }), { name: "opt", disposer: () => void calls.push("memo disposer") });
    viaOption.call();
    await evictMemoAsync(viaOption);
    expect(calls).toEqual(["memo disposer"]);

    class SessionMemo extends Memo<{ n: number }> {
      @cachedMemo
      call(): { n: number } {
        return { n: 1 };
      }
      override disposer(value: { n: number }): void {
        calls.push(`class disposer ${value.n}`);
      }
    }
    const m = new SessionMemo();
    m.call();
    evictMemo(m);
    expect(calls.at(-1)).toBe("class disposer 1");
    m.call();
    await evictMemoAsync(m, { disposer: () => void calls.push("run disposer") });
    expect(calls.at(-1)).toBe("run disposer");
  });

  it("a failing asynchronous disposal becomes a warning, not an unhandled rejection", async () => {
    const m = memo(() => ({ release: () => Promise.reject(new Error("boom")) }), "bad");
    m.call();
    const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
    evictMemo(m);
    expect((await warned).message).toContain("boom");
  });
});
