/** Loading BullMQ, an optional dependency, on first use of a queue. */
import { importOptional } from "../../optional-dependency.js";
import type { QueueAddress } from "./address.js";

/** The BullMQ module. */
export type BullMQ = typeof import("bullmq");

/** Imports BullMQ, or throws a MissingDependencyError naming it. */
export function loadBullMQ(): Promise<BullMQ> {
  return importOptional("bullmq", "Distributed runs (--queue)", () => import("bullmq"));
}

/** BullMQ's connection options for `address`: blocking commands must retry forever, as BullMQ requires. */
export function connectionOf(address: QueueAddress): QueueAddress["connection"] & { maxRetriesPerRequest: null } {
  return { ...address.connection, maxRetriesPerRequest: null };
}
