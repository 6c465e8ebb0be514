// Reads the sanitizer logs of a run and decides whether it passed.
//
// Every AddressSanitizer or UndefinedBehaviorSanitizer error fails the run. Leak reports are split
// into single leaks: a leak fails the run when any frame of its allocation stack lies in the addon
// (nnbench.node or its sources); leaks whose every frame is in node, V8 or the C/C++ runtimes are
// node's own allocations left at exit and are only counted. Reports of programs other than node
// (shell tools the test runner starts) are ignored.
//
//   node .ci/sanitize-report.mjs <reports-dir>
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: sanitize-report.mjs <reports-dir>");

const ours = /nnbench\.node|\/native\/(core|binding|kernel)\//;
let failures = 0;
let nodeLeaks = 0;
let nodeLeakBytes = 0;
const skipped = new Set();

for (const name of readdirSync(dir).sort()) {
  // log_exe_name=1 names files <prefix>.<exe>.<pid>.
  const exe = name.split(".")[1] ?? "";
  const text = readFileSync(join(dir, name), "utf8");
  if (exe !== "node") {
    skipped.add(exe);
    continue;
  }
  const errors = text.split(/\n(?==+\n==\d+==ERROR: )/).filter((part) => /==\d+==ERROR: /.test(part));
  const ubsan = text.split("\n").filter((line) => /runtime error: /.test(line));
  for (const line of ubsan) {
    failures++;
    console.error(`UBSan (${name}): ${line}`);
  }
  for (const error of errors) {
    if (!/ERROR: LeakSanitizer/.test(error)) {
      failures++;
      console.error(`--- ${name}\n${error}`);
      continue;
    }
    const leaks = error.split(/\n\n(?=(?:Direct|Indirect) leak)/).filter((b) => /^(Direct|Indirect) leak/.test(b.trim()));
    for (const leak of leaks) {
      if (ours.test(leak)) {
        failures++;
        console.error(`--- ${name}: leak from the addon\n${leak.trim()}\n`);
      } else {
        nodeLeaks++;
        nodeLeakBytes += Number(/of (\d+) byte/.exec(leak)?.[1] ?? 0);
      }
    }
  }
  if (ubsan.length === 0 && errors.length === 0 && text.trim().length > 0) {
    failures++;
    console.error(`--- ${name}: unrecognised sanitizer output\n${text}`);
  }
}

if (skipped.size > 0) console.log(`sanitize: ignored reports of other programs: ${[...skipped].join(", ")}`);
console.log(`sanitize: node's own allocations left at exit (not the addon's): ${nodeLeaks} leak stacks, ${nodeLeakBytes} bytes`);
if (failures > 0) {
  console.error(`sanitize: ${failures} report(s) against the addon`);
  process.exit(1);
}
console.log("sanitize: 0 reports against the addon");
