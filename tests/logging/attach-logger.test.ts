import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { attachLogger, DEFAULT_REDACT_PATTERN } from "../../src/logging/index.js";
import { allTools, echo } from "../metrics/tools.js";

type Line = Record<string, unknown>;

function capture(level: pino.Level = "debug"): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const logger = pino(
    { level, base: undefined },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) },
  );
  return { logger, lines };
}

const byEvent = (lines: Line[], event: string): Line[] => lines.filter((l) => l["event"] === event);

describe("attachLogger", () => {
  it("writes one JSON line per call start and finish, with ids, attempt, duration and kind", async () => {
    const { logger, lines } = capture();
    const executor = createExecutor({ tools: allTools });
    attachLogger(executor, logger);
    const batch = executor.execute([
      { id: "a", name: "echo", args: { value: "hi", ms: 20 } },
      { id: "b", name: "boom", args: {} },
    ]);
    await batch;
    const started = byEvent(lines, "call:started");
    expect(started.map((l) => l["callId"]).sort()).toEqual(["a", "b"]);
    expect(started[0]).toMatchObject({
      level: 30,
      batchId: batch.id,
      tool: expect.any(String),
      attempt: 1,
      queuedMs: expect.any(Number),
      msg: expect.stringMatching(/^call started: /),
    });
    expect(started.find((l) => l["callId"] === "a")!["args"]).toEqual({ value: "hi", ms: 20 });

    const finished = byEvent(lines, "call:finished");
    expect(finished).toHaveLength(2);
    const a = finished.find((l) => l["callId"] === "a")!;
    expect(a).toMatchObject({ level: 30, tool: "echo", status: "ok", attempt: 1, result: "hi" });
    expect(a["kind"]).toBeUndefined();
    expect(a["durationMs"]).toBeGreaterThanOrEqual(15);
    const b = finished.find((l) => l["callId"] === "b")!;
    expect(b).toMatchObject({
      level: 40,
      tool: "boom",
      status: "error",
      kind: "tool_error",
      error: "kaboom",
    });
    expect(byEvent(lines, "batch:started")).toEqual([
      expect.objectContaining({ level: 20, batchId: batch.id, size: 2 }),
    ]);
    expect(byEvent(lines, "batch:finished")).toEqual([
      expect.objectContaining({ level: 30, total: 2, ok: 1, error: 1, byKind: { tool_error: 1 } }),
    ]);
  });

  it("logs progress reports at debug, with what the tool said", async () => {
    const { logger, lines } = capture();
    const steps = defineTool({
      name: "steps",
      description: "reports progress",
      schema: z.object({}),
      run: (_args, ctx) => {
        ctx.progress({ progress: 3, total: 10, message: "parsing" });
        ctx.progress({ progress: 4 });
        return "done";
      },
    });
    const executor = createExecutor({ tools: [steps] });
    attachLogger(executor, logger);
    await executor.execute([{ id: "p", name: "steps", args: {} }]);
    expect(byEvent(lines, "call:progress")).toEqual([
      expect.objectContaining({
        level: 20,
        callId: "p",
        tool: "steps",
        attempt: 1,
        progress: 3,
        total: 10,
        message: "parsing",
        msg: "call progress: steps p 3/10",
      }),
      expect.objectContaining({ level: 20, progress: 4, msg: "call progress: steps p 4" }),
    ]);
    const { logger: quiet, lines: none } = capture("info");
    attachLogger(executor, quiet);
    await executor.execute([{ id: "q", name: "steps", args: {} }]);
    expect(byEvent(none, "call:progress")).toEqual([]);
  });

  it("logs retries and abandoned attempts", async () => {
    const { logger, lines } = capture();
    const executor = createExecutor({ tools: allTools });
    attachLogger(executor, logger);
    await executor.execute([
      { id: "f", name: "flaky", args: {} },
      { id: "s", name: "stubborn", args: {} },
    ]);
    expect(byEvent(lines, "call:retry")).toEqual([
      expect.objectContaining({
        level: 40,
        callId: "f",
        tool: "flaky",
        attempt: 1,
        kind: "tool_error",
        error: "first attempt fails",
        delayMs: 1,
      }),
    ]);
    const flakyStarts = byEvent(lines, "call:started").filter((l) => l["callId"] === "f");
    expect(flakyStarts.map((l) => l["attempt"])).toEqual([1, 2]);
    expect(flakyStarts[1]!["args"]).toBeUndefined(); // args once per call
    expect(byEvent(lines, "call:finished").find((l) => l["callId"] === "f")).toMatchObject({
      status: "ok",
      attempt: 2,
    });
    await vi.waitFor(() => expect(byEvent(lines, "call:abandoned")).toHaveLength(1), {
      timeout: 5_000,
    });
    expect(byEvent(lines, "call:abandoned")[0]).toMatchObject({
      level: 40,
      callId: "s",
      reason: "timeout",
      attempt: 1,
      lateMs: expect.any(Number),
    });
  });

  it("redacts secret-looking keys at any depth in args, results and error data", async () => {
    const { logger, lines } = capture();
    const executor = createExecutor({ tools: [echo] });
    attachLogger(executor, logger);
    const secretArgs = {
      query: "weather",
      apiKey: "sk-1",
      api_key: "sk-2",
      headers: { Authorization: "Bearer x", accept: "json" },
      nested: [{ password: "p", user: "u" }],
      value: { accessToken: "t", clientSecret: "s", ok: 1 },
    };
    await executor.execute([{ id: "a", name: "echo", args: secretArgs }]);
    const started = byEvent(lines, "call:started")[0]!;
    expect(started["args"]).toEqual({
      query: "weather",
      apiKey: "[Redacted]",
      api_key: "[Redacted]",
      headers: { Authorization: "[Redacted]", accept: "json" },
      nested: [{ password: "[Redacted]", user: "u" }],
      value: { accessToken: "[Redacted]", clientSecret: "[Redacted]", ok: 1 },
    });
    expect(byEvent(lines, "call:finished")[0]!["result"]).toEqual({
      accessToken: "[Redacted]",
      clientSecret: "[Redacted]",
      ok: 1,
    });
    expect(JSON.stringify(lines)).not.toMatch(/sk-1|sk-2|Bearer x/);
    // The tool still got the real values.
    expect(secretArgs.apiKey).toBe("sk-1");
  });

  it("takes a custom redaction pattern, as a RegExp or a list of substrings", async () => {
    for (const redact of [/^ssn$/i, ["SSN"]] as const) {
      const { logger, lines } = capture();
      const executor = createExecutor({ tools: [echo] });
      attachLogger(executor, logger, { redact });
      await executor.execute([{ id: "a", name: "echo", args: { ssn: "123", token: "kept" } }]);
      expect(byEvent(lines, "call:started")[0]!["args"]).toEqual({
        ssn: "[Redacted]",
        token: "kept",
      });
    }
  });

  it("truncates long strings, wide arrays, deep objects and survives cycles", async () => {
    const { logger, lines } = capture();
    const executor = createExecutor({ tools: [echo] });
    attachLogger(executor, logger, { maxStringLength: 10, maxItems: 3, maxDepth: 2 });
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic["self"] = cyclic;
    await executor.execute([
      {
        id: "a",
        name: "echo",
        args: {
          value: {
            long: "x".repeat(25),
            list: [1, 2, 3, 4, 5],
            deep: { deeper: { deepest: 1 } },
          },
        },
      },
      { id: "b", name: "echo", args: { value: cyclic } },
      { id: "c", name: "echo", args: { value: 10n } },
    ]);
    const results = Object.fromEntries(
      byEvent(lines, "call:finished").map((l) => [l["callId"], l["result"]]),
    );
    expect(results["a"]).toEqual({
      long: "xxxxxxxxxx…[15 more chars]",
      list: [1, 2, 3, "…[2 more items]"],
      deep: { deeper: "[Object]" },
    });
    expect(results["b"]).toEqual({ name: "loop", self: "[Circular]" });
    expect(results["c"]).toBe("10n");
  });

  it("can leave args and results out", async () => {
    const { logger, lines } = capture();
    const executor = createExecutor({ tools: [echo] });
    attachLogger(executor, logger, { args: false, results: false });
    await executor.execute([{ id: "a", name: "echo", args: { value: "v" } }]);
    expect(lines.some((l) => "args" in l || "result" in l)).toBe(false);
  });

  it("stops logging after detach", async () => {
    const { logger, lines } = capture();
    const executor = createExecutor({ tools: [echo] });
    const handle = attachLogger(executor, logger);
    handle.detach();
    handle.detach();
    await executor.execute([{ id: "a", name: "echo", args: {} }]);
    expect(lines).toEqual([]);
  });

  it("never hurts a call when the logger throws", async () => {
    const executor = createExecutor({
      tools: [echo],
      onListenerError: () => {},
    });
    const broken = {
      debug() {},
      info: () => {
        throw new Error("disk full");
      },
      warn() {},
    };
    attachLogger(executor, broken);
    const report = await executor.execute([{ id: "a", name: "echo", args: { value: 1 } }]);
    expect(report.results["a"]).toBe(1);
  });

  it("rejects a bad logger or option with a TypeError", () => {
    const executor = createExecutor({ tools: [echo] });
    const { logger } = capture();
    expect(() => attachLogger(executor, console as never)).not.toThrow();
    expect(() => attachLogger(executor, {} as never)).toThrow(/pino logger/);
    expect(() => attachLogger(executor, pino as never)).toThrow(/pino\(\) rather than pino/);
    expect(() => attachLogger({} as never, logger)).toThrow(TypeError);
    expect(() => attachLogger(executor, logger, { maxStringLength: 0 })).toThrow(/maxStringLength/);
    expect(() => attachLogger(executor, logger, { redact: "token" as never })).toThrow(/redact/);
    expect(() => attachLogger(executor, logger, { args: "yes" as never })).toThrow(/args/);
    for (const key of [
      "X-Api-Key",
      "Cookie",
      "set-cookie",
      "credentials",
      "AWS_ACCESS_KEY_ID",
      "private_key",
      "passwd",
      "session_id",
      "refresh_token",
    ])
      expect(DEFAULT_REDACT_PATTERN.test(key), key).toBe(true);
    for (const key of ["author", "query", "url", "user"])
      expect(DEFAULT_REDACT_PATTERN.test(key), key).toBe(false);
  });
});

describe("attachLogger levels", () => {
  it("follows the logger's level, even when it changes later", async () => {
    const { logger, lines } = capture("warn");
    const executor = createExecutor({ tools: allTools });
    attachLogger(executor, logger);
    await executor.execute([
      { id: "a", name: "echo", args: {} },
      { id: "b", name: "boom", args: {} },
    ]);
    expect(lines.map((l) => [l["event"], l["callId"]])).toEqual([["call:finished", "b"]]);
    logger.level = "info";
    await executor.execute([{ id: "c", name: "echo", args: {} }]);
    expect(lines.filter((l) => l["callId"] === "c")).toHaveLength(2);
  });
});
