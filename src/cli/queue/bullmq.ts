/** Loading BullMQ, an optional dependency, on first use of a queue. */
import { QueueAddressError } from "../../errors.js";
import { optionalPackage } from "../../reporter/optional.js";
import type { QueueAddress } from "./address.js";

/** The BullMQ module. */
export type BullMQ = typeof import("bullmq");

/** Imports BullMQ, or throws a MissingDependencyError naming it. */
export const loadBullMQ: () => Promise<BullMQ> = optionalPackage("bullmq", "Distributed runs (--queue)", () => import("bullmq"));

/** Whether a connection to the queue's Redis has been made yet. */
export interface ConnectionWatch {
  connected: boolean;
}

/** How long to keep trying to reach Redis at first, before giving up with an error. */
const FIRST_CONNECT_MS = 15_000;

/**
 * BullMQ's connection options for `address`: blocking commands must retry forever, as BullMQ requires.
 * Until `watch.connected`, reconnecting stops after {@link FIRST_CONNECT_MS} so that an unreachable
 * Redis is an error rather than a wait without end; later, reconnecting goes on while Redis restarts.
 */
export function connectionOf(
  address: QueueAddress,
  watch: ConnectionWatch,
): QueueAddress["connection"] & { maxRetriesPerRequest: null; retryStrategy: (times: number) => number | null } {
  let waited = 0;
  return {
    ...address.connection,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => {
      const delay = Math.min(times * 200, 2000);
      if (watch.connected) return delay;
      waited += delay;
      return waited > FIRST_CONNECT_MS ? null : delay;
    },
  };
}

/** Waits for `ready` (connections' readiness) and marks `watch` connected, or throws naming the address it could not reach. */
export async function reachable<T>(ready: Promise<T>, address: QueueAddress, watch: ConnectionWatch): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer")), FIRST_CONNECT_MS + 5000);
  });
  try {
    const value = await Promise.race([ready, late]);
    watch.connected = true;
    return value;
  } catch (err) {
    throw new QueueAddressError(`cannot reach Redis at ${address.display} (${(err as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
}

/** Something BullMQ made that holds Redis connections. */
interface Closable {
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Closes `c` gracefully, or drops its connections when that takes longer than `ms` (Redis gone). */
export async function closeQuickly(c: Closable, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  const outcome = await Promise.race([c.close().catch(() => undefined), late]);
  clearTimeout(timer);
  if (outcome === "late") await c.disconnect().catch(() => undefined);
}

/** A handler for connection errors that logs each distinct message once (ioredis retries every few ms). */
export function onceEach(log: (message: string) => void): (err: Error) => void {
  const seen = new Set<string>();
  return (err) => {
    if (seen.has(err.message)) return;
    seen.add(err.message);
    log(err.message);
  };
}
