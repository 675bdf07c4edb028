import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { createExecutor, defineTool } from "../src/index.js";
import { SqliteJournal } from "../src/journal/index.js";
const double = tool(async ({ i }: { i: number }) => i * 2, { name: "double", description: "d", schema: z.object({ i: z.number() }) });
const vdouble = defineTool({ name: "double", description: "d", schema: z.object({ i: z.number() }), run: async ({ i }) => i * 2 });
for (const n of [1000, 10000]) {
  const calls = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: "double", args: { i } }));
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    await Promise.all(calls.map((c) => double.invoke(c.args)));
    const a = performance.now() - t;
    const ex = createExecutor({ tools: [double], concurrency: Infinity });
    t = performance.now(); await ex.execute(calls); const b = performance.now() - t;
    const j = new SqliteJournal(`/tmp/jscratch/lc-${n}-${r}.db`);
    const exj = createExecutor({ tools: [double], concurrency: Infinity, journal: j });
    t = performance.now(); await exj.execute(calls, { batchId: "x" }); const c = performance.now() - t;
    const exv = createExecutor({ tools: [vdouble], concurrency: Infinity, journal: j });
    t = performance.now(); await exv.execute(calls, { batchId: "y" }); const d = performance.now() - t;
    console.log(n, "lc.invoke all", a.toFixed(0), "executor(lc)", b.toFixed(0), "executor(lc)+journal", c.toFixed(0), "executor(volley tool)+journal", d.toFixed(0));
  }
}
