import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool, type Outcome } from "../../src/index.js";
import { attachProgress, type ProgressStream } from "../../src/cli/progress.js";
import { formatReport } from "../../src/cli/run-command.js";

/** Escape sequences a model or a web page can put in a call id, a result or an error message. */
const CLEAR_SCREEN = "\x1b[2J";
const SET_TITLE = "\x1b]0;pwned\x07";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("volley run prints text from tools and models without its control characters", () => {
  it("in the calls table and the per-tool summary", () => {
    const outcomes: Outcome[] = [
      {
        id: `id${SET_TITLE}`,
        index: 0,
        name: `tool${CLEAR_SCREEN}`,
        status: "ok",
        value: `over\rwritten\tand${CLEAR_SCREEN}`,
        startedAt: 1,
        durationMs: 5,
        attempts: 1,
      },
      {
        id: "b",
        index: 1,
        name: "t",
        status: "error",
        error: { kind: "tool_error", message: `bad${SET_TITLE}\u009b31m` },
        startedAt: 1,
        durationMs: 5,
        attempts: 1,
      },
    ];
    const text = formatReport({
      outcomes,
      results: {},
      errors: {},
      wallMs: 5,
      counts: { total: 2, ok: 1, error: 1, byKind: { tool_error: 1 } },
    } as never);
    for (const line of text.split("\n")) expect(line).not.toMatch(CONTROL);
    expect(text).toMatch(
      /^id\\u001b\]0;pwned\\u0007 +tool\\u001b\[2J +ok +1 +5 ms +over\\u000dwritten and\\u001b\[2J$/m,
    );
  });

  it("in the progress lines", async () => {
    const chunks: string[] = [];
    const stream: ProgressStream = { isTTY: false, write: (c: string) => chunks.push(c) };
    const noisy = defineTool({
      name: "noisy",
      description: "Fails once, then for good, with escape sequences in its messages",
      schema: z.object({}),
      retry: { maxAttempts: 2, initialInterval: 1, jitter: false },
      run: (_args, { attempt }) => {
        throw new Error(`attempt ${attempt}${CLEAR_SCREEN}\nsecond line${SET_TITLE}`);
      },
    });
    const executor = createExecutor({ tools: [noisy] });
    const progress = attachProgress(executor, { stream });
    await executor.execute([{ id: `x${SET_TITLE}`, name: "noisy", args: {} }]);
    progress.stop();
    await executor.close();
    const lines = chunks.join("").split("\n");
    expect(lines.length).toBe(5); // batch, retry, error, done, ""
    for (const line of lines) expect(line).not.toMatch(CONTROL);
    expect(lines[1]).toContain("retry  x\\u001b]0;pwned\\u0007  noisy  attempt 1 failed");
  });
});
