import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/core/index.js";

const echo = defineTool({
  name: "echo",
  description: "Echoes its text",
  schema: z.object({ text: z.string() }),
  concurrency: 1,
  run: ({ text }) => `echo ${text}`,
});

describe("execute({ invoke })", () => {
  it("runs each attempt through the invoker, under the tool's slot", async () => {
    const executor = createExecutor({ tools: [echo] });
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: string[] = [];
    const report = await executor.execute(
      [
        { id: "a", name: "echo", args: { text: "1" } },
        { id: "b", name: "echo", args: { text: "2" } },
      ],
      {
        invoke: async (call, ctx, run) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          seen.push(`${call.id}:${call.name}:${ctx.attempt}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
          inFlight--;
          return `wrapped ${String(await run())}`;
        },
      },
    );
    expect(report.results).toEqual({ a: "wrapped echo 1", b: "wrapped echo 2" });
    expect(seen).toEqual(["a:echo:1", "b:echo:1"]);
    expect(maxInFlight).toBe(1);
  });

  it("exposes the tools as given and refuses a non-function invoke", () => {
    const executor = createExecutor({ tools: [echo] });
    expect(executor.tools).toEqual([echo]);
    expect(() => executor.execute([], { invoke: 1 as never })).toThrow(TypeError);
  });
});

describe("MemoryJournal", () => {
  it("does not record transient kinds, so a resume runs those calls again", async () => {
    const { MemoryJournal } = await import("../../src/core/index.js");
    const journal = new MemoryJournal();
    const base = { index: 0, name: "t", startedAt: null, durationMs: 0, attempts: 0 } as const;
    journal.record("b", { ...base, id: "ok", status: "ok", value: 1 });
    journal.record("b", {
      ...base,
      id: "err",
      status: "error",
      error: { kind: "tool_error", message: "x" },
    });
    for (const kind of ["cancelled", "deadline", "rejected"] as const) {
      journal.record("b", { ...base, id: kind, status: "error", error: { kind, message: kind } });
    }
    expect(journal.load("b").map((o) => o.id)).toEqual(["ok", "err"]);
  });
});
