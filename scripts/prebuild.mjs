#!/usr/bin/env node
/**
 * Builds the addon for this platform and places it where installs and the loader look for it:
 * prebuilds/<platform>-<arch>/nnbench[.<libc>].node (the prebuildify layout, which node-gyp-build
 * matches at install time; the libc tag on Linux only).
 *
 *   node scripts/prebuild.mjs              # a clean Release build (node-gyp rebuild), then copy
 *   node scripts/prebuild.mjs --from-build # copy build/Release/nnbench.node as it is
 *
 * The build uses binding.gyp's flags only: the kernels choose AVX2/AVX-512/portable code at run
 * time, so one x64 prebuild serves every x86-64 CPU. --from-build is for a build made just before
 * from a clean tree (CI, after `npm ci`).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, "build", "Release", "nnbench.node");

const libc = process.platform !== "linux" ? undefined : process.env.LIBC ?? (existsSync("/etc/alpine-release") ? "musl" : "glibc");
const target = join(root, "prebuilds", `${process.platform}-${process.arch}`, libc ? `nnbench.${libc}.node` : "nnbench.node");

if (!process.argv.includes("--from-build")) {
  const nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  execFileSync(process.execPath, [nodeGyp, "rebuild", "--release"], { cwd: root, stdio: "inherit" });
}
if (!existsSync(built)) throw new Error(`${built} is missing: build the addon first (npm run build:native)`);

// Host-specific code generation would tie the prebuild to the build machine's CPU.
const gyp = readFileSync(join(root, "binding.gyp"), "utf8");
if (/-march=native|-mtune=native|-mcpu=native/.test(gyp)) throw new Error("binding.gyp asks for host-specific code (-march=native): a prebuild must run on every CPU");

mkdirSync(dirname(target), { recursive: true });
copyFileSync(built, target);
// Load it once in a fresh process, as an install would.
execFileSync(process.execPath, ["-e", `const a = require(${JSON.stringify(target)}); if (typeof a.gemmInfo !== "function") process.exit(1);`], { stdio: "inherit" });
console.log(`prebuild: ${relative(root, target)} (${(statSync(target).size / 1024).toFixed(0)} KiB)`);
