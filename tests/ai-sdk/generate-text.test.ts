import { setTimeout as sleep } from "node:timers/promises";
import { generateText, stepCountIs, tool, type ToolExecutionOptions } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  isCancelledError,
  isToolTimeoutError,
  type CallStartedEvent,
} from "../../src/core/index.js";
import { fromAiSdkTools, isToolOutcomeError, volleyTools } from "../../src/ai-sdk/index.js";
import { scriptedModel, type ScriptedCall } from "./scripted-model.js";

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, undefined, { signal }).catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error;
  });
}

/** `n` calls of `tool`, asked for at once, with ids `<prefix>-0` … */
function calls(n: number, toolName: string, input: unknown, prefix = toolName): ScriptedCall[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, tool: toolName, input }));
}

describe("volleyTools in a multi-step generateText whose first step asks for several tools at once", () => {
  it("holds a tool's concurrency limit across the step's calls, and the model sees every value", async () => {
    let running = 0;
    let maxRunning = 0;
    const tools = {
      lookup: tool({
        description: "Look a word up",
        inputSchema: z.object({ word: z.string() }),
        execute: async ({ word }, { abortSignal }) => {
          maxRunning = Math.max(maxRunning, ++running);
          try {
            await wait(60, abortSignal);
            return `${word}: found`;
          } finally {
            running--;
          }
        },
      }),
    };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, { policies: { lookup: { concurrency: 2 } } }),
    });
    const { model, seen } = scriptedModel([calls(6, "lookup", { word: "volley" })]);
    const started = performance.now();
    const result = await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(3),
      prompt: "look it up six times",
    });
    const wallMs = performance.now() - started;
    expect(maxRunning).toBe(2);
    // Three rounds of two 60 ms calls: well above one round, well below a stuck run.
    expect(wallMs).toBeGreaterThan(150);
    expect(wallMs).toBeLessThan(5_000);
    expect(result.text).toBe("done");
    expect(seen(1).map((r) => r.output)).toEqual(
      Array.from({ length: 6 }, () => ({ type: "text", value: "volley: found" })),
    );
  });

  it("holds the executor's global limit across two generateText runs at once", async () => {
    let running = 0;
    let maxRunning = 0;
    const tools = {
      work: tool({
        description: "Work a while",
        inputSchema: z.object({}),
        execute: async (_input, { abortSignal }) => {
          maxRunning = Math.max(maxRunning, ++running);
          try {
            await wait(40, abortSignal);
            return "worked";
          } finally {
            running--;
          }
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools), concurrency: 3 });
    const wrapped = volleyTools(executor, tools);
    const runs = ["a", "b"].map((agent) =>
      generateText({
        model: scriptedModel([calls(4, "work", {}, agent)]).model,
        tools: wrapped,
        stopWhen: stepCountIs(2),
        prompt: "work",
      }),
    );
    const results = await Promise.all(runs);
    expect(maxRunning).toBe(3);
    for (const result of results) {
      expect(result.steps[0]!.toolResults.map((r) => r.output)).toEqual([
        "worked",
        "worked",
        "worked",
        "worked",
      ]);
    }
  });

  it("a timeout aborts the tool's signal, and the model reads a tool error in the next step", async () => {
    const reasons: unknown[] = [];
    const tools = {
      slow: tool({
        description: "Takes too long",
        inputSchema: z.object({}),
        execute: async (_input, { abortSignal }) => {
          abortSignal?.addEventListener("abort", () => reasons.push(abortSignal.reason));
          await wait(10_000, abortSignal);
          return "too late";
        },
      }),
      fast: tool({
        description: "Answers at once",
        inputSchema: z.object({}),
        execute: async () => ({ answer: 42 }),
      }),
    };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, { policies: { slow: { timeoutMs: 100 } } }),
    });
    const { model, seen } = scriptedModel([
      [
        { id: "call-slow", tool: "slow", input: {} },
        { id: "call-fast", tool: "fast", input: {} },
      ],
    ]);
    const started = performance.now();
    const result = await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(3),
      prompt: "go",
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(reasons).toHaveLength(1);
    expect(isToolTimeoutError(reasons[0])).toBe(true);
    const [slow, fast] = seen(1);
    expect(slow).toMatchObject({ toolCallId: "call-slow", output: { type: "error-text" } });
    expect(slow!.output.value).toMatch(/^Tool "slow" timed out after 100ms/);
    expect(fast).toMatchObject({
      toolCallId: "call-fast",
      output: { type: "json", value: { answer: 42 } },
    });
    // The SDK's tool-error part carries the typed error, with the outcome's kind.
    const error = result.steps[0]!.content.find((p) => p.type === "tool-error")?.error;
    expect(isToolOutcomeError(error)).toBe(true);
    expect(error).toMatchObject({ kind: "timeout", toolCallId: "call-slow", toolName: "slow" });
  });

  it("a retry recovers a flaky tool: the model sees its value, not the failure", async () => {
    let attempts = 0;
    const tools = {
      flaky: tool({
        description: "Fails once",
        inputSchema: z.object({ q: z.string() }),
        execute: async ({ q }) => {
          if (++attempts === 1) throw new Error("upstream hiccup");
          return `answer to ${q} (attempt ${attempts})`;
        },
      }),
    };
    const executor = createExecutor({
      tools: fromAiSdkTools(tools, {
        policies: { flaky: { retry: { maxAttempts: 3, initialInterval: 10, jitter: false } } },
      }),
    });
    const retries: string[] = [];
    executor.on("call:retry", (e) => retries.push(`${e.callId}: ${e.error.message}`));
    const { model, seen } = scriptedModel([[{ id: "call-1", tool: "flaky", input: { q: "x" } }]]);
    await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(3),
      prompt: "ask",
    });
    expect(retries).toEqual(["call-1: upstream hiccup"]);
    expect(seen(1).map((r) => r.output)).toEqual([
      { type: "text", value: "answer to x (attempt 2)" },
    ]);
  });

  it("the SDK's abortSignal cancels the running tools (their signals abort) and generateText rejects with its reason", async () => {
    const reasons: unknown[] = [];
    const controller = new AbortController();
    let started = 0;
    const tools = {
      slow: tool({
        description: "Runs until stopped",
        inputSchema: z.object({}),
        execute: async (_input, { abortSignal }) => {
          abortSignal?.addEventListener("abort", () => reasons.push(abortSignal.reason));
          // The user leaves once all three are running.
          if (++started === 3) setTimeout(() => controller.abort(new Error("the user left")), 20);
          await wait(10_000, abortSignal);
          return "never";
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const { model, prompts } = scriptedModel([calls(3, "slow", {})]);
    const began = performance.now();
    const error = await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(3),
      prompt: "go",
      abortSignal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    expect(performance.now() - began).toBeLessThan(5_000);
    expect(reasons).toHaveLength(3);
    for (const reason of reasons) expect(isCancelledError(reason)).toBe(true);
    // The run ended where the SDK ends it: no step after the aborted one.
    expect(prompts).toHaveLength(1);
    await executor.onIdle();
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it("each call's Volley id is the SDK's toolCallId, as the events and the tool see it", async () => {
    const seenIds: string[] = [];
    const tools = {
      echo: tool({
        description: "Echo",
        inputSchema: z.object({ text: z.string() }),
        execute: async ({ text }, { toolCallId }) => {
          seenIds.push(toolCallId);
          return text;
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const started: CallStartedEvent[] = [];
    executor.on("call:started", (e) => started.push(e));
    const ids = ["call_a1", "call_b2", "call_c3"];
    const { model } = scriptedModel([ids.map((id) => ({ id, tool: "echo", input: { text: id } }))]);
    const result = await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(2),
      prompt: "echo",
    });
    expect(started.map((e) => e.callId).sort()).toEqual(ids);
    expect(started.map((e) => e.args)).toEqual(ids.map((text) => ({ text })));
    // Each call is a batch of its own.
    expect(new Set(started.map((e) => e.batchId)).size).toBe(3);
    expect(seenIds.sort()).toEqual(ids);
    expect(result.steps[0]!.toolResults.map((r) => [r.toolCallId, r.output])).toEqual(
      ids.map((id) => [id, id]),
    );
  });

  it("a tool that throws any value (a string, undefined, a BigInt, a hostile Proxy) never breaks the run", async () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error("trap");
        },
        getPrototypeOf: () => {
          throw new Error("trap");
        },
      },
    );
    const thrown: Record<string, unknown> = {
      text: "plain words",
      nothing: undefined,
      nil: null,
      big: 10n,
      bare: Object.create(null) as object,
      hostile,
    };
    const tools = {
      fail: tool({
        description: "Throws what it is told to",
        inputSchema: z.object({ what: z.string() }),
        execute: async ({ what }): Promise<string> => {
          throw thrown[what];
        },
      }),
      ok: tool({ description: "Fine", inputSchema: z.object({}), execute: async () => "fine" }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const step: ScriptedCall[] = [
      ...Object.keys(thrown).map((what) => ({ id: what, tool: "fail", input: { what } })),
      { id: "ok", tool: "ok", input: {} },
    ];
    const { model, seen } = scriptedModel([step]);
    const result = await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(3),
      prompt: "go",
    });
    expect(result.text).toBe("done");
    const outputs = seen(1);
    expect(outputs).toHaveLength(7);
    for (const r of outputs.slice(0, 6)) {
      expect(r.output.type, r.toolCallId).toBe("error-text");
      expect(typeof r.output.value, r.toolCallId).toBe("string");
    }
    expect(outputs.find((r) => r.toolCallId === "text")!.output.value).toContain("plain words");
    expect(outputs.find((r) => r.toolCallId === "big")!.output.value).toContain("10n");
    expect(outputs.at(-1)!.output).toEqual({ type: "text", value: "fine" });
  });

  it("the tool gets the SDK's messages and experimental_context, with Volley's abort signal", async () => {
    let options: ToolExecutionOptions | undefined;
    const tools = {
      whoami: tool({
        description: "Says who asks",
        inputSchema: z.object({}),
        execute: async (_input, o) => {
          options = o;
          return (o.experimental_context as { user: string }).user;
        },
      }),
    };
    const executor = createExecutor({ tools: fromAiSdkTools(tools) });
    const controller = new AbortController();
    const { model, seen } = scriptedModel([[{ id: "call-1", tool: "whoami", input: {} }]]);
    await generateText({
      model,
      tools: volleyTools(executor, tools),
      stopWhen: stepCountIs(2),
      prompt: "who am I?",
      abortSignal: controller.signal,
      experimental_context: { user: "ada" },
    });
    expect(seen(1).map((r) => r.output)).toEqual([{ type: "text", value: "ada" }]);
    expect(options!.toolCallId).toBe("call-1");
    expect(options!.messages).toEqual([{ role: "user", content: "who am I?" }]);
    // Volley's own attempt signal, which also aborts on its timeouts, not the SDK's.
    expect(options!.abortSignal).toBeInstanceOf(AbortSignal);
    expect(options!.abortSignal).not.toBe(controller.signal);
  });
});
