import { readFileSync } from "node:fs";
import { createExecutor } from "../src/core/index.ts";
import { threadBackend, threadTools } from "../src/threads/index.ts";
const osThreads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
console.log("start", osThreads());
const tools = await threadTools("/tmp/probe/dir with spaces é/wtools.mjs");
const backend = threadBackend({ threads: 2, preload: ["/tmp/probe/dir with spaces é/wtools.mjs"] });
const ex = createExecutor({ tools, backends: { worker: backend }, retry: false });
await ex.execute([{ id: "w", name: "echo", args: {} }]);
console.log("warm", osThreads());
for (let round = 0; round < 5; round++) {
  await ex.execute(Array.from({ length: 10 }, (_, i) => ({ id: "s" + i, name: "spin", args: {}, timeoutMs: 30 + (i % 3) * 20 })));
  await new Promise((r) => setTimeout(r, 300));
  console.log("round", round, osThreads(), JSON.stringify(backend.stats().pools));
}
// cancel via signal many at once
const ac = new AbortController();
const p = ex.execute(Array.from({ length: 20 }, (_, i) => ({ id: "n" + i, name: "never", args: {} })), { signal: ac.signal });
setTimeout(() => ac.abort("stop"), 200);
const r = await p;
console.log("cancelled", r.counts.byKind, JSON.stringify(backend.stats()));
await new Promise((r) => setTimeout(r, 1000));
console.log("after cancel", osThreads(), JSON.stringify(backend.stats().pools));
await backend.close();
await new Promise((r) => setTimeout(r, 500));
console.log("closed", osThreads());
