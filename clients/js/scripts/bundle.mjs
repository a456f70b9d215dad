// Builds the browser bundle the web client loads (one ES module, @microsoft/signalr, openapi-fetch and idb
// inside), into the standalone host's wwwroot, where it is checked in so that the page needs no build step and
// `dotnet run` needs no node:
//   npm run bundle             writes functions/ServerlessChat.Standalone/wwwroot/sdk/serverlesschat-client.js
//   npm run bundle -- --check  exits 1, changing nothing, when the checked-in bundle differs from a fresh one
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const check = process.argv.includes("--check");
const out = new URL("../../../functions/ServerlessChat.Standalone/wwwroot/sdk/serverlesschat-client.js", import.meta.url);

const result = await build({
  entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  write: false,
  logLevel: "warning",
});
const banner =
  "// Built by clients/js `npm run bundle` (scripts/bundle.mjs) from clients/js/src with esbuild. Do not edit; rebuild.\n";
const text = banner + result.outputFiles[0].text;

const path = fileURLToPath(out);
const current = await readFile(out, "utf8").catch(() => null);
if (current === text) {
  console.log(check ? "The bundle is current." : "Nothing changed.");
} else if (check) {
  console.error(`Stale bundle (run npm run bundle in clients/js and commit it):\n  ${path}`);
  process.exit(1);
} else {
  await mkdir(new URL(".", out), { recursive: true });
  await writeFile(out, text);
  console.log(`Wrote ${path} (${text.length} bytes).`);
}
