// Compiled by test/memo-legacy.test.ts with `experimentalDecorators: true`.
import { cachedMemo, Memo } from "nnbench";

export const counts = { sync: 0, async: 0 };

export class CountingMemo extends Memo<{ n: number }> {
  @cachedMemo
  call(): { n: number } {
    counts.sync++;
    return { n: counts.sync };
  }
}

export class AsyncCountingMemo extends Memo<{ n: number }> {
  @cachedMemo
  async call(): Promise<{ n: number }> {
    counts.async++;
    await new Promise((r) => setTimeout(r, 5));
    return { n: counts.async };
  }
}
