/** Writes the HTML report's page script (chart library included) into dist/ for the package. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleClient, CLIENT_BUNDLE } from "../src/reporter/html/asset.js";

const entry = fileURLToPath(new URL("../src/reporter/html/client/main.ts", import.meta.url));
const out = fileURLToPath(new URL(`../dist/reporter/html/${CLIENT_BUNDLE}`, import.meta.url));
const script = await bundleClient(entry);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, script);
console.log(`${out}: ${(script.length / 1024).toFixed(0)} KiB`);
