/**
 * Real Redis and PostgreSQL servers for tests, each on a free loopback port with its data in a
 * temporary directory, started from the Debian packages' programs and stopped after. Where a program
 * is missing, {@link missingServers} says how to install it; CI (`CI` set) never skips.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const INSTALL = "apt-get update && apt-get install -y --no-install-recommends redis-server postgresql";

function postgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(base, versions[0], "bin");
}

function onPath(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status === 0;
}

/** Why the servers cannot start here (with the install command), or undefined when they can. */
export function missingServers(): string | undefined {
  const missing = [...(onPath("redis-server") ? [] : ["redis-server"]), ...(postgresBin() ? [] : ["PostgreSQL (initdb, pg_ctl)"])];
  if (missing.length === 0) return undefined;
  return `${missing.join(" and ")} not installed: install with \`${INSTALL}\``;
}

/**
 * Whether tests needing the servers should skip: only outside CI, with the reason printed once.
 * In CI a missing server makes the tests fail instead.
 */
export function skipWithoutServers(): boolean {
  const reason = missingServers();
  if (reason === undefined || process.env.CI) return false;
  console.warn(`skipping tests that need real Redis and PostgreSQL servers: ${reason}`);
  return true;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function waitFor(what: string, ready: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not start within ${ms} ms`);
}

/** A running redis-server. */
export interface RedisServer {
  port: number;
  /** The redis-server process id (to read its CPU time). */
  pid: number;
  /** `redis://127.0.0.1:PORT` followed by `/name` when given. */
  url(name?: string): string;
  stop(): Promise<void>;
}

/** Starts redis-server without persistence on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "nnbench-redis-"));
  const proc: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  await waitFor("redis-server", () => /Ready to accept connections/.test(out) || proc.exitCode !== null);
  if (proc.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
  return {
    port,
    pid: proc.pid!,
    url: (name) => `redis://127.0.0.1:${port}${name ? `/${name}` : ""}`,
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running PostgreSQL cluster with a password-protected user. */
export interface PostgresServer {
  port: number;
  user: string;
  password: string;
  database: string;
  /** `postgres://user:password@127.0.0.1:PORT/database` followed by `?run=NAME` when given. */
  url(run?: string): string;
  /** Stops the server and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `argv`, as the `postgres` user when this process is root (PostgreSQL refuses to run as root). */
function asPostgres(argv: string[], cwd: string): { status: number | null; output: string } {
  const asRoot = userInfo().uid === 0;
  const [cmd, args] = asRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : [argv[0]!, argv.slice(1)];
  const r = spawnSync(cmd as string, args as string[], { cwd, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Creates a cluster with initdb in a temporary directory and starts it with pg_ctl on a free loopback port. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(missingServers());
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "nnbench-pg-"));
  const data = path.join(dir, "data");
  const user = "nnbench";
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const pwfile = path.join(dir, "pwfile");
  writeFileSync(pwfile, `${password}\n`);
  if (userInfo().uid === 0) {
    const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    chownSync(dir, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
    chownSync(pwfile, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  }
  chmodSync(dir, 0o700);
  const init = asPostgres([path.join(bin, "initdb"), "-D", data, "-U", user, `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"], dir);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.output}`);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const ctl = (...args: string[]): void => {
    const r = asPostgres([path.join(bin, "pg_ctl"), "-D", data, "-l", path.join(dir, "log"), ...args], dir);
    if (r.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${r.output}`);
  };
  const start = (): void => ctl("start", "-w", "-t", "60", "-o", options);
  start();
  return {
    port,
    user,
    password,
    database: "postgres",
    url: (run) => `postgres://${user}:${password}@127.0.0.1:${port}/postgres${run !== undefined ? `?run=${encodeURIComponent(run)}` : ""}`,
    restart: async () => {
      ctl("stop", "-w", "-m", "fast");
      start();
    },
    stop: async () => {
      try {
        ctl("stop", "-w", "-m", "immediate");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
