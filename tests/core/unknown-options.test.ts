import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  type ExecutorOptions,
  type ToolCall,
} from "../../src/index.js";
import { assertKnownKeys } from "../../src/core/validate-options.js";

const echo = defineTool({
  name: "echo",
  description: "Returns its text",
  schema: z.object({ text: z.string() }),
  run: ({ text }) => text,
});

/** The TypeError that `fn` throws. */
function thrown(fn: () => unknown): TypeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error("expected a TypeError, and nothing was thrown");
}

describe("assertKnownKeys words an unknown key in one style", () => {
  it("names the key, where it was, the nearest known key, and every known one", () => {
    expect(
      thrown(() => assertKnownKeys("createExecutor", { concurency: 4 }, ["tools", "concurrency"]))
        .message,
    ).toBe(
      'Unknown option "concurency" for createExecutor; did you mean "concurrency"? Known options: tools, concurrency.',
    );
  });

  it("suggests nothing when no known key is near", () => {
    expect(thrown(() => assertKnownKeys("close", { parallelism: 2 }, ["cancel"])).message).toBe(
      'Unknown option "parallelism" for close. Known options: cancel.',
    );
  });

  it("finds maxAttempts for maxAttempt, and matches regardless of case", () => {
    expect(() => assertKnownKeys("retry", { maxAttempt: 3 }, ["maxAttempts", "jitter"])).toThrow(
      /"maxAttempt" for retry; did you mean "maxAttempts"\?/,
    );
    expect(() => assertKnownKeys("retry", { TimeoutMS: 3 }, ["timeoutMs"])).toThrow(
      /did you mean "timeoutMs"\?/,
    );
  });

  it("accepts known keys, inherited keys and symbol keys", () => {
    const inherited = Object.create({ stray: 1 }) as object;
    expect(() => assertKnownKeys("x", inherited, [])).not.toThrow();
    expect(() => assertKnownKeys("x", { [Symbol("brand")]: true, a: 1 }, ["a"])).not.toThrow();
  });
});

describe("createExecutor refuses unknown keys in each of its options objects", () => {
  it.each<[string, Omit<ExecutorOptions, "tools">, string]>([
    [
      "its own options",
      { concurency: 4 } as never,
      'Unknown option "concurency" for createExecutor; did you mean "concurrency"?',
    ],
    [
      "its retry policy",
      { retry: { maxAttempt: 3 } } as never,
      'Unknown option "maxAttempt" for retry; did you mean "maxAttempts"?',
    ],
    [
      "a policies entry",
      { policies: { echo: { timeout: 5 } } } as never,
      'Unknown option "timeout" for policies.echo; did you mean "timeoutMs"?',
    ],
    [
      "a policies entry's retry",
      { policies: { echo: { retry: { intialInterval: 5 } } } } as never,
      'Unknown option "intialInterval" for policies.echo.retry; did you mean "initialInterval"?',
    ],
    [
      "a policies entry's rate limit",
      { policies: { echo: { rateLimit: { max: 1, perMs: 1, burst: 2 } } } } as never,
      'Unknown option "burst" for policies.echo.rateLimit. Known options: max, perMs.',
    ],
    [
      "a policies entry's circuit breaker",
      { policies: { echo: { circuitBreaker: { failure: 3 } } } } as never,
      'Unknown option "failure" for policies.echo.circuitBreaker; did you mean "failures"?',
    ],
    [
      "a policies entry's dedupe cache",
      { policies: { echo: { idempotent: { cacheTTLMs: 5 } } } } as never,
      'Unknown option "cacheTTLMs" for policies.echo.idempotent; did you mean "cacheTtlMs"?',
    ],
    [
      "a policies entry's recovery",
      { policies: { echo: { onError: { fallbak: "echo2" } } } } as never,
      'Unknown option "fallbak" for policies.echo.onError; did you mean "fallback"?',
    ],
  ])("%s", (_label, options, message) => {
    const error = thrown(() => createExecutor({ ...options, tools: [echo] }));
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/Known options: [a-zA-Z, ]+\.$/);
  });

  it("lists every option of createExecutor", () => {
    expect(thrown(() => createExecutor({ tools: [echo], parallel: true } as never)).message).toBe(
      'Unknown option "parallel" for createExecutor. Known options: tools, concurrency, timeoutMs, retry, priority, policies, backend, backends, journal, journalTimeoutMs, queue, clock, onListenerError, maxBatchSize, overflow, maxQueued.',
    );
  });

  it("accepts every option it documents", () => {
    const executor = createExecutor({
      tools: [echo],
      concurrency: 4,
      timeoutMs: 1_000,
      retry: {
        maxAttempts: 2,
        initialInterval: 1,
        backoffFactor: 2,
        maxInterval: 5,
        jitter: false,
        retryOn: ["timeout"],
      },
      priority: 1,
      policies: {
        echo: {
          timeoutMs: 500,
          maxTimeoutMs: 600,
          maxAttempts: 3,
          concurrency: 2,
          priority: 2,
          expectedMs: 10,
          rateLimit: { max: 10, perMs: 1_000 },
          idempotent: { cacheTtlMs: 10, cacheMax: 5 },
          onTimeout: { default: "" },
          onError: { default: "" },
          exclusive: false,
          circuitBreaker: {
            failures: 3,
            failureRate: 0.5,
            windowMs: 1_000,
            minCalls: 2,
            cooldownMs: 100,
          },
        },
      },
      journalTimeoutMs: 1_000,
      maxBatchSize: 10,
      overflow: "split",
      maxQueued: 100,
    });
    expect(executor.stats().concurrency).toBe(4);
  });
});

describe("defineTool refuses unknown keys in its definition and in its policy objects", () => {
  const base = {
    name: "t",
    description: "",
    schema: z.object({}),
    run: () => 1,
  };

  it.each<[string, object, string]>([
    [
      "a typo of a policy field",
      { timout: 5 },
      'Unknown option "timout" for tool "t"; did you mean "timeoutMs"?',
    ],
    [
      "a typo of its own field",
      { descripton: "x" },
      'Unknown option "descripton" for tool "t"; did you mean "description"?',
    ],
    [
      "a LangChain field it does not read",
      { returnDirect: true },
      'Unknown option "returnDirect" for tool "t".',
    ],
    [
      "its retry policy",
      { retry: { maxAttempt: 3 } },
      'Unknown option "maxAttempt" for tool "t".retry; did you mean "maxAttempts"?',
    ],
    [
      "its rate limit",
      { rateLimit: { max: 1, perms: 5 } },
      'Unknown option "perms" for tool "t".rateLimit; did you mean "perMs"?',
    ],
    [
      "its circuit breaker",
      { circuitBreaker: { cooldown: 5 } },
      'Unknown option "cooldown" for tool "t".circuitBreaker; did you mean "cooldownMs"?',
    ],
    [
      "its dedupe cache",
      { idempotent: { cacheMaximum: 5 } },
      'Unknown option "cacheMaximum" for tool "t".idempotent',
    ],
    [
      "its onTimeout",
      { onTimeout: { defualt: 0 } },
      'Unknown option "defualt" for tool "t".onTimeout; did you mean "default"?',
    ],
  ])("%s", (_label, extra, message) => {
    expect(() => defineTool({ ...base, ...extra } as never)).toThrow(TypeError);
    expect(() => defineTool({ ...base, ...extra } as never)).toThrow(message);
  });

  it("accepts a tool spread into a new definition (its brand is a symbol)", () => {
    const tool = defineTool({ ...base, timeoutMs: 5 });
    expect(defineTool({ ...tool, schema: base.schema, timeoutMs: 10 }).timeoutMs).toBe(10);
  });
});

describe("execute() and close() refuse unknown keys", () => {
  it("execute", () => {
    const executor = createExecutor({ tools: [echo] });
    expect(thrown(() => executor.execute([], { deadline: 5 } as never)).message).toMatch(
      /^Unknown option "deadline" for execute; did you mean "deadlineMs"\? Known options: signal, deadlineMs, /,
    );
  });

  it("close", async () => {
    const executor = createExecutor({ tools: [echo] });
    await expect(executor.close({ cancle: true } as never)).rejects.toThrow(
      'Unknown option "cancle" for close; did you mean "cancel"? Known options: cancel.',
    );
    await executor.close({ cancel: true });
  });

  it("a call's own retry override with an unknown key ends invalid_call, and the rest run", async () => {
    const executor = createExecutor({ tools: [echo] });
    const calls: ToolCall[] = [
      { id: "a", name: "echo", args: { text: "a" }, retry: { maxAttempt: 2 } as never },
      { id: "b", name: "echo", args: { text: "b" } },
    ];
    const report = await executor.execute(calls);
    const [a, b] = report.outcomes;
    expect(a?.status === "error" && a.error.kind).toBe("invalid_call");
    expect(a?.status === "error" && a.error.message).toMatch(
      /Unknown option "maxAttempt" for call "a" retry; did you mean "maxAttempts"\?/,
    );
    expect(b?.status).toBe("ok");
  });

  it("a call may carry keys Volley does not read (a provider's extra fields)", async () => {
    const executor = createExecutor({ tools: [echo] });
    const call = { id: "a", name: "echo", args: { text: "a" }, type: "tool_call", index: 0 };
    const report = await executor.execute([call]);
    expect(report.outcomes[0]?.status).toBe("ok");
  });
});
