import { createExecutor } from "../src/core/index.ts";
import { threadBackend, threadTools } from "../src/threads/index.ts";
const tools = await threadTools("/tmp/probe/dir with spaces é/wtools.mjs");
const backend = threadBackend({ threads: 2 });
const ex = createExecutor({ tools, backends: { worker: backend }, retry: false });
const bad = { f: () => 1 };
const r = await ex.execute([
  ...Array.from({ length: 6 }, (_, i) => ({ id: "bad" + i, name: "echo", args: { x: Symbol("s") } })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: "ok" + i, name: "echo", args: { x: i }, timeoutMs: 20000 })),
]);
console.log(r.outcomes.map((o: any) => o.id + ":" + o.status + ":" + (o.error?.message?.slice(0, 80) ?? "")));
console.log(JSON.stringify(backend.stats()));
const r2 = await ex.execute(Array.from({ length: 4 }, (_, i) => ({ id: "ok" + i, name: "echo", args: { x: i }, timeoutMs: 20000 })));
console.log(r2.counts, JSON.stringify(backend.stats()));
await backend.close();
