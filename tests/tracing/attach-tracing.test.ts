import { context, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { attachTracing, BATCH_SPAN_NAME } from "../../src/tracing/index.js";
import { allTools, echo, heldTool, sleep } from "../metrics/tools.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer: Tracer = provider.getTracer("volley-test");
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  contextManager.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const finished = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan[] => finished().filter((s) => s.name === name);
const parentId = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe("attachTracing", () => {
  it("makes one execute_tool span per call under one batch span under the caller's span", async () => {
    const executor = createExecutor({ tools: allTools });
    attachTracing(executor, tracer);
    const calls = [
      { id: "a", name: "echo", args: { value: 1, ms: 10 } },
      { id: "b", name: "echo", args: { value: 2 } },
      { id: "c", name: "boom", args: {} },
    ];
    const outer = tracer.startSpan("agent step");
    await context.with(trace.setSpan(context.active(), outer), async () => {
      // Some awaiting before execute(): the context must survive it.
      await sleep(1);
      await executor.execute(calls);
    });
    outer.end();

    const [batch] = named(BATCH_SPAN_NAME);
    expect(batch).toBeDefined();
    expect(parentId(batch!)).toBe(outer.spanContext().spanId);
    expect(batch!.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(batch!.attributes).toMatchObject({
      "volley.batch.size": 3,
      "volley.batch.ok": 2,
      "volley.batch.errors": 1,
    });

    const callSpans = finished().filter((s) => s.name.startsWith("execute_tool "));
    expect(callSpans.map((s) => s.name).sort()).toEqual([
      "execute_tool boom",
      "execute_tool echo",
      "execute_tool echo",
    ]);
    for (const span of callSpans) {
      expect(parentId(span)).toBe(batch!.spanContext().spanId);
      expect(span.attributes["gen_ai.operation.name"]).toBe("execute_tool");
    }
    const a = callSpans.find((s) => s.attributes["gen_ai.tool.call.id"] === "a")!;
    expect(a.attributes).toMatchObject({ "gen_ai.tool.name": "echo", "volley.call.attempts": 1 });
    expect(a.attributes["error.type"]).toBeUndefined();
    expect(a.status.code).toBe(SpanStatusCode.UNSET);
    const ms = (t: [number, number]): number => t[0] * 1e3 + t[1] / 1e6;
    expect(ms(a.endTime) - ms(a.startTime)).toBeGreaterThanOrEqual(5);

    const c = callSpans.find((s) => s.attributes["gen_ai.tool.call.id"] === "c")!;
    expect(c.attributes["error.type"]).toBe("tool_error");
    expect(c.status).toEqual({ code: SpanStatusCode.ERROR, message: "kaboom" });
  });

  it("keeps concurrent batches from different callers apart", async () => {
    const executor = createExecutor({ tools: [echo] });
    attachTracing(executor, tracer);
    const run = async (name: string): Promise<string> => {
      const span = tracer.startSpan(name);
      await context.with(trace.setSpan(context.active(), span), () =>
        executor.execute([{ id: name, name: "echo", args: { ms: 20 } }]),
      );
      span.end();
      return span.spanContext().spanId;
    };
    const [one, two] = await Promise.all([run("one"), run("two")]);
    const batches = named(BATCH_SPAN_NAME);
    expect(batches.map(parentId).sort()).toEqual([one, two].sort());
    for (const batch of batches) {
      const children = finished().filter((s) => parentId(s) === batch.spanContext().spanId);
      expect(children).toHaveLength(1);
      // Each call span sits under the batch whose caller named it.
      const callId = children[0]!.attributes["gen_ai.tool.call.id"];
      const caller = finished().find((s) => s.spanContext().spanId === parentId(batch))!;
      expect(caller.name).toBe(callId);
    }
  });

  it("makes a root batch span when no span is active", async () => {
    const executor = createExecutor({ tools: [echo] });
    attachTracing(executor, tracer);
    await executor.execute([{ id: "a", name: "echo", args: {} }]);
    expect(parentId(named(BATCH_SPAN_NAME)[0]!)).toBeUndefined();
  });

  it("records retries as events on one span per call", async () => {
    const executor = createExecutor({ tools: allTools });
    attachTracing(executor, tracer);
    await executor.execute([{ id: "f", name: "flaky", args: {} }]);
    const spans = named("execute_tool flaky");
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes["volley.call.attempts"]).toBe(2);
    expect(spans[0]!.events.map((e) => e.name)).toEqual(["volley.retry", "volley.attempt"]);
    expect(spans[0]!.events[0]!.attributes).toMatchObject({
      attempt: 1,
      "error.type": "tool_error",
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("records progress reports as events on the call's span", async () => {
    const steps = defineTool({
      name: "steps",
      description: "reports progress",
      schema: z.object({}),
      run: (_args, ctx) => {
        ctx.progress({ progress: 1, total: 2, message: "half" });
        ctx.progress();
        return "done";
      },
    });
    const executor = createExecutor({ tools: [steps] });
    attachTracing(executor, tracer);
    await executor.execute([{ id: "p", name: "steps", args: {} }]);
    const span = named("execute_tool steps")[0]!;
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        "volley.progress",
        {
          attempt: 1,
          "volley.progress": 1,
          "volley.progress.total": 2,
          "volley.progress.message": "half",
        },
      ],
      ["volley.progress", { attempt: 1 }],
    ]);
  });

  it("gives calls that never ran a span too, with their error", async () => {
    const executor = createExecutor({ tools: [echo] });
    attachTracing(executor, tracer);
    await executor.execute([
      { id: "x", name: "missing", args: {} },
      { id: "y", name: "echo", args: { ms: "not a number" } },
    ]);
    const batch = named(BATCH_SPAN_NAME)[0]!;
    const missing = named("execute_tool missing")[0]!;
    expect(missing.attributes["error.type"]).toBe("unknown_tool");
    expect(parentId(missing)).toBe(batch.spanContext().spanId);
    expect(named("execute_tool echo")[0]!.attributes["error.type"]).toBe("invalid_args");
  });

  it("marks timeouts and notes abandoned attempts on the batch span", async () => {
    const executor = createExecutor({ tools: allTools });
    attachTracing(executor, tracer);
    const batch = executor.execute([
      { id: "s", name: "stubborn", args: {} },
      { id: "e", name: "echo", args: { ms: 100 } },
    ]);
    await batch;
    const stubborn = named("execute_tool stubborn")[0]!;
    expect(stubborn.attributes["error.type"]).toBe("timeout");
    // The batch span ends when the batch does; the stubborn attempt settled before that.
    expect(named(BATCH_SPAN_NAME)[0]!.events.map((e) => e.name)).toContain("volley.call.abandoned");
  });

  it("uses the global tracer by default and ends open spans on detach", async () => {
    const { held, open } = heldTool();
    const executor = createExecutor({ tools: [held] });
    trace.setGlobalTracerProvider(provider);
    try {
      const handle = attachTracing(executor);
      const batch = executor.execute([{ id: "a", name: "held", args: {} }]);
      await vi.waitFor(() => expect(executor.stats().running).toBe(1));
      handle.detach();
      handle.detach();
      expect(named(BATCH_SPAN_NAME)).toHaveLength(1);
      expect(named("execute_tool held")).toHaveLength(1);
      open();
      await batch;
      expect(finished()).toHaveLength(2);
    } finally {
      trace.disable();
    }
  });

  it("gives a tool its call span's context for its own spans", async () => {
    const holder: { handle?: ReturnType<typeof attachTracing> } = {};
    const inner = defineTool({
      name: "inner",
      description: "Makes a span of its own",
      schema: z.object({}),
      run: (_args, ctx) =>
        context.with(holder.handle!.contextOf(ctx), () =>
          tracer.startActiveSpan("http get", (s) => s.end()),
        ),
    });
    const executor = createExecutor({ tools: [inner] });
    const handle = attachTracing(executor, tracer);
    holder.handle = handle;
    await executor.execute([{ id: "i", name: "inner", args: {} }]);
    const call = named("execute_tool inner")[0]!;
    expect(parentId(named("http get")[0]!)).toBe(call.spanContext().spanId);
    expect(handle.contextOf({ batchId: "gone", callId: "i" })).toBe(context.active());
  });

  it("traces the calls of a batch that started before it was attached", async () => {
    const executor = createExecutor({ tools: allTools, concurrency: 1 });
    const batch = executor.execute([
      { id: "first", name: "echo", args: { ms: 30 } },
      { id: "f", name: "flaky", args: {} },
    ]);
    const handle = attachTracing(executor, tracer);
    await batch;
    expect(named(BATCH_SPAN_NAME)).toHaveLength(0);
    const flaky = named("execute_tool flaky");
    expect(flaky).toHaveLength(1);
    expect(flaky[0]!.events.map((e) => e.name)).toEqual(["volley.retry", "volley.attempt"]);
    // "first" had started before: it gets a span at its finish, over its real times.
    const first = named("execute_tool echo");
    expect(first).toHaveLength(1);
    const ms = (t: [number, number]): number => t[0] * 1e3 + t[1] / 1e6;
    expect(ms(first[0]!.endTime) - ms(first[0]!.startTime)).toBeGreaterThanOrEqual(20);
    handle.detach();
  });

  it("rejects a bad executor or tracer with a TypeError", () => {
    expect(() => attachTracing({} as never)).toThrow(TypeError);
    expect(() => attachTracing(createExecutor({ tools: [echo] }), {} as never)).toThrow(/Tracer/);
  });
});
