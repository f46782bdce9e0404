// rpc.mjs: a line-oriented bridge between vcheck (Go) and the tla-checker
// WebAssembly module.  Each line on stdin is a JSON request
//   {"fn": "check_spec_with_cfg", "args": [...]}
// naming one of tla-checker's exported functions; each answer is one line
// on stdout: the function's own JSON result, or {"rpc_error": "..."}.
// vcheck keeps one process for a whole run, so the module loads once.
import fs from 'node:fs';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import * as T from 'tla-checker';

const require = createRequire(import.meta.url);
T.initSync({ module: fs.readFileSync(require.resolve('tla-checker/tla_checker_bg.wasm')) });

const allowed = new Set([
  'check_spec_with_cfg', 'explore_init', 'explore_next', 'explore_invariants', 'explore_eval',
]);

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  let out;
  try {
    const req = JSON.parse(line);
    if (!allowed.has(req.fn)) throw new Error(`unknown function ${req.fn}`);
    out = T[req.fn](...req.args);
    JSON.parse(out); // the answer must be one JSON value
  } catch (e) {
    out = JSON.stringify({ rpc_error: String(e && e.stack || e) });
  }
  process.stdout.write(out.replace(/\n/g, ' ') + '\n');
});
