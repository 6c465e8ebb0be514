import { afterEach, describe, expect, it } from "vitest";
import {
  cachedMemo,
  clearMemoCache,
  evictMemo,
  getMemoByValue,
  isMemo,
  Memo,
  memo,
  memoCacheSize,
  NnbenchError,
  Tensor,
  nativeMemory,
} from "nnbench";
import { Resource as CountedResource } from "../helpers/resource.js";

class Resource extends CountedResource<number> {}

let loads = 0;

class ResourceMemo extends Memo<Resource> {
  constructor(readonly id: number) {
    super();
  }
  @cachedMemo
  call(): Resource {
    loads++;
    return new Resource(this.id);
  }
}

class AsyncMemo extends Memo<Resource> {
  calls = 0;
  release: (() => void) | undefined;
  constructor(readonly id: number, readonly fail = false) {
    super();
  }
  @cachedMemo
  async call(): Promise<Resource> {
    this.calls++;
    await new Promise<void>((r) => (this.release = r));
    if (this.fail) throw new Error(`load ${this.id} failed`);
    return new Resource(this.id);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  clearMemoCache();
  loads = 0;
});

describe("cachedMemo", () => {
  it("computes once per memo object and caches by object", () => {
    const a = new ResourceMemo(1);
    const b = new ResourceMemo(1);
    expect(memoCacheSize()).toBe(0);
    const v = a.call();
    expect(a.call()).toBe(v);
    expect(loads).toBe(1);
    expect(memoCacheSize()).toBe(1);
    expect(b.call()).not.toBe(v);
    expect(loads).toBe(2);
    expect(memoCacheSize()).toBe(2);
    expect(isMemo(a)).toBe(true);
    expect(isMemo({ call() {} })).toBe(false);
  });

  it("shares one in-flight load between concurrent callers", async () => {
    const m = new AsyncMemo(1);
    const p1 = m.call();
    const p2 = m.call();
    expect(m.calls).toBe(1);
    await tick();
    m.release!();
    const [v1, v2] = await Promise.all([p1, p2]);
    expect(v1).toBe(v2);
    expect(await m.call()).toBe(v1);
    expect(m.calls).toBe(1);
    expect(getMemoByValue(v1)).toBe(m);
  });

  it("does not cache a rejected load", async () => {
    const m = new AsyncMemo(2, true);
    const p = m.call();
    await tick();
    m.release!();
    await expect(p).rejects.toThrow("load 2 failed");
    expect(memoCacheSize()).toBe(0);
    const again = m.call();
    expect(m.calls).toBe(2);
    await tick();
    m.release!();
    await expect(again).rejects.toThrow();
  });

  it("is applied as a standard (TC39) decorator under this project's settings", () => {
    let seen: unknown[] = [];
    const probe = ((...args: unknown[]) => {
      seen = args;
      return (cachedMemo as (...a: unknown[]) => unknown)(...args);
    }) as typeof cachedMemo;
    class Probed extends Memo<number> {
      @probe
      call(): number {
        return ++loads;
      }
    }
    expect(seen).toHaveLength(2);
    expect((seen[1] as { kind?: string }).kind).toBe("method");
    const p = new Probed();
    expect(p.call()).toBe(p.call());
    expect(loads).toBe(1);
  });

  it("rejects use on something that is not a method", () => {
    expect(() => (cachedMemo as (...a: unknown[]) => unknown)(1, 2)).toThrow(NnbenchError);
    expect(() => (cachedMemo as (...a: unknown[]) => unknown)(() => 1, { kind: "field" })).toThrow(/method/);
  });
});

describe("eviction and lookup", () => {
  it("evictMemo removes the entry, returns the value and disposes it", () => {
    const m = new ResourceMemo(3);
    const v = m.call();
    expect(getMemoByValue(v)).toBe(m);
    expect(evictMemo(m)).toBe(v);
    expect(v.disposed).toBe(1);
    expect(memoCacheSize()).toBe(0);
    expect(getMemoByValue(v)).toBeUndefined();
    expect(evictMemo(m)).toBeUndefined(); // twice is harmless
    expect(v.disposed).toBe(1);
    expect(m.call()).not.toBe(v); // recomputed after eviction
    expect(loads).toBe(2);
  });

  it("dispose: false hands the live value back", () => {
    const m = new ResourceMemo(4);
    const v = m.call();
    expect(evictMemo(m, { dispose: false })).toBe(v);
    expect(v.disposed).toBe(0);
  });

  it("disposes values with dispose() and containers of disposables", () => {
    const closed: string[] = [];
    const a = memo(() => ({ dispose: () => closed.push("a") }), "a");
    const b = memo(() => ({ x: { dispose: () => closed.push("x") }, y: [1] }), "b");
    a.call();
    b.call();
    expect(String(a)).toBe("a");
    evictMemo(a);
    evictMemo(b);
    expect(closed).toEqual(["a", "x"]);
  });

  it("evicting during an in-flight load disposes the value when it arrives", async () => {
    const m = new AsyncMemo(5);
    const p = m.call();
    expect(memoCacheSize()).toBe(1);
    expect(evictMemo(m)).toBeUndefined();
    expect(memoCacheSize()).toBe(0);
    await tick();
    m.release!();
    const v = await p;
    expect(v.disposed).toBe(1);
    expect(memoCacheSize()).toBe(0);
    expect(getMemoByValue(v)).toBeUndefined();
  });

  it("clearMemoCache evicts and disposes everything", () => {
    const values = [new ResourceMemo(1), new ResourceMemo(2), new ResourceMemo(3)].map((m) => m.call());
    expect(memoCacheSize()).toBe(3);
    clearMemoCache();
    expect(memoCacheSize()).toBe(0);
    expect(values.map((v) => v.disposed)).toEqual([1, 1, 1]);
    const m = new ResourceMemo(9);
    const v = m.call();
    clearMemoCache({ dispose: false });
    expect(v.disposed).toBe(0);
  });

  it("evicting a tensor memo frees its native memory at once", () => {
    const before = nativeMemory().bytes;
    const m = memo(() => Tensor.zeros([1024, 1024], "float32"), "ones");
    const t = m.call() as Tensor;
    expect(nativeMemory().bytes - before).toBe(4 * 1024 * 1024);
    evictMemo(m);
    expect(t.disposed).toBe(true);
    expect(nativeMemory().bytes).toBe(before);
  });
});

describe("memo()", () => {
  it("makes a cached memo from a function, async included", async () => {
    let n = 0;
    const m = memo(async () => ++n);
    expect(String(m)).toBe("memo");
    expect(await m.call()).toBe(1);
    expect(await m.call()).toBe(1);
    expect(n).toBe(1);
    function loadThing() {
      return 7;
    }
    expect(String(memo(loadThing))).toBe("loadThing");
    expect(() => memo(5 as never)).toThrow(TypeError);
  });
});

describe("the cache does not keep memos alive", () => {
  it("releases the value of a memo that became unreachable", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "vitest runs with --expose-gc").toBeTypeOf("function");
    let valueRef: WeakRef<object> | undefined;
    (() => {
      const m = new ResourceMemo(10);
      valueRef = new WeakRef(m.call());
    })();
    expect(memoCacheSize()).toBe(1);
    // A WeakRef keeps its target alive for the rest of the job that created or dereferenced it, so
    // collect only after yielding to the event loop.
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 5));
      gc!();
      await new Promise((r) => setTimeout(r, 5));
      if (memoCacheSize() === 0 && valueRef!.deref() === undefined) break;
    }
    expect(memoCacheSize()).toBe(0);
    expect(valueRef!.deref()).toBeUndefined();
  });
});

describe("one cache per process", () => {
  it("a second copy of the memo module shares the cache and recognises memos", async () => {
    const path = "../../src/define/memo.ts?second-copy";
    const copy = (await import(/* @vite-ignore */ path)) as typeof import("../../src/define/memo.js");
    expect(copy.Memo).not.toBe(Memo);
    const m = new ResourceMemo(11);
    const v = m.call();
    expect(copy.memoCacheSize()).toBe(1);
    expect(copy.isMemo(m)).toBe(true);
    expect(copy.getMemoByValue(v)).toBe(m);
    const other = copy.memo(() => new Resource(12));
    expect(isMemo(other)).toBe(true);
    other.call();
    expect(memoCacheSize()).toBe(2);
    copy.clearMemoCache();
    expect(memoCacheSize()).toBe(0);
    expect(v.disposed).toBe(1);
  });
});
