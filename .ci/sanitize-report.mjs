// Reads the sanitizer logs of a run and decides whether it passed.
//
// Every AddressSanitizer or UndefinedBehaviorSanitizer error fails the run. Leak reports are split
// into single leaks, and a leak fails the run when the addon made the allocation: the innermost
// frame above the allocator is in the addon (nnbench.node, its sources or the node-addon-api code
// compiled into it), or is a Node-API function (napi_*) the addon called directly (references,
// wraps, promises). Other leaks are node's and V8's own allocations left at exit, including V8
// bookkeeping allocated deep inside a call the addon made; they are only counted. Reports of
// programs other than node (shell tools the test runner starts) are ignored.
//
//   node .ci/sanitize-report.mjs <reports-dir>
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: sanitize-report.mjs <reports-dir>");

const ours = /nnbench\.node|\/native\/(core|binding|kernel|fuzz)\/|node-addon-api\/napi/;
const allocator = /libsanitizer|asan_malloc|asan_new_delete|in (operator new|operator delete|malloc|calloc|realloc|aligned_alloc|posix_memalign|__interceptor_)/;

/** Whether the addon made the allocation a leak report describes. */
function madeByAddon(leak) {
  const frames = leak.split("\n").filter((line) => /^\s*#\d+ /.test(line));
  const inner = frames.findIndex((frame) => !allocator.test(frame));
  if (inner < 0) return false;
  const frame = frames[inner];
  if (ours.test(frame)) return true;
  return / in napi_\w+/.test(frame) && ours.test(frames[inner + 1] ?? "");
}
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
      if (madeByAddon(leak)) {
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
