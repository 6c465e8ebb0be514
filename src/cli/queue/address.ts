/** Parsing `redis://[user:password@]host:port[/name]`, the address of a benchmark queue. */
import { QueueAddressError } from "../../errors.js";
import { displayTarget } from "../../reporter/target.js";

/** The queue name when the address names none. */
export const DEFAULT_QUEUE_NAME = "nnbench";

/** Where a queue lives: the Redis connection and the queue's name. */
export interface QueueAddress {
  connection: { host: string; port: number; username?: string; password?: string; tls?: Record<string, never> };
  name: string;
  /** The address as it may be shown: the password replaced by `***`. */
  display: string;
}

/** Parses a `redis://` (or `rediss://`, TLS) queue address. */
export function parseQueueAddress(address: string): QueueAddress {
  const display = displayTarget(address);
  const usage = "expected redis://host:port[/name]";
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new QueueAddressError(`invalid queue address ${JSON.stringify(display)}: ${usage}`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new QueueAddressError(`unsupported queue address ${JSON.stringify(display)}: ${usage}`);
  }
  const name = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, "")) || DEFAULT_QUEUE_NAME;
  if (name.includes(":") || name.includes("/")) throw new QueueAddressError(`queue name ${JSON.stringify(name)} may not contain ":" or "/"`);
  const connection: QueueAddress["connection"] = { host: url.hostname || "127.0.0.1", port: url.port ? Number(url.port) : 6379 };
  if (url.username) connection.username = decodeURIComponent(url.username);
  if (url.password) connection.password = decodeURIComponent(url.password);
  if (url.protocol === "rediss:") connection.tls = {};
  return { connection, name, display };
}
