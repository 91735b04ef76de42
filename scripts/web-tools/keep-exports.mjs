// Writes the graph binaryen's wasm-metadce needs to drop a module's exports whose
// names start with one of the given prefixes, and all the code only they reach:
// every other export is a root. Used on the worker for printpdf's own JavaScript
// API (`Pdf_*`), which printpdf exports unconditionally on wasm32 and Cosabi never
// calls (it renders in Rust); its code would otherwise be downloaded by every phone.
//   node keep-exports.mjs module.wasm graph.json Pdf_ [prefix...]
import { readFileSync, writeFileSync } from "node:fs";

const [wasm, graph, ...dropped] = process.argv.slice(2);
const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasm))).map(
  (e) => e.name,
);
const kept = names.filter((n) => !dropped.some((p) => n.startsWith(p)));
if (kept.length === names.length) {
  console.error(`${wasm}: no export starts with ${dropped.join(", ")}; nothing to drop`);
}
const node = (n) => `export:${n}`;
writeFileSync(
  graph,
  JSON.stringify([
    { name: "root", root: true, reaches: kept.map(node) },
    ...names.map((n) => ({ name: node(n), export: n })),
  ]),
);
console.log(`${wasm}: ${names.length - kept.length} exports dropped, ${kept.length} kept`);
