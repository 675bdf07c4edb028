import type { Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createExecutor } from "volley";
import { mcpTools } from "volley/mcp";
import { connectListed, listedTool } from "./fixtures/listed-server.js";

const annotated = (name: string, annotations: McpToolInfo["annotations"]): McpToolInfo => ({
  ...listedTool(name, { properties: { q: { type: "string" } } }),
  annotations,
});

const TOOLS = [
  annotated("plain", undefined),
  annotated("read", { readOnlyHint: true }),
  annotated("same_twice", { idempotentHint: true }),
  annotated("wipe", { destructiveHint: true }),
  annotated("wipe_again", { destructiveHint: true, idempotentHint: true }),
  annotated("read_marked_destructive", { readOnlyHint: true, destructiveHint: true }),
  annotated("not_destructive", { destructiveHint: false, openWorldHint: true }),
];

describe("volley/mcp: policy from the tools' annotations", () => {
  it("maps readOnly and idempotent to idempotent, destructive to no retries and approval", async () => {
    const server = await connectListed("annotated", TOOLS);
    try {
      const tools = new Map((await mcpTools(server.client)).map((t) => [t.name, t]));
      const policy = (name: string) => {
        const t = tools.get(name)!;
        return { idempotent: t.idempotent, retry: t.retry, needsApproval: t.needsApproval };
      };
      const none = { idempotent: undefined, retry: undefined, needsApproval: undefined };
      expect(policy("plain")).toEqual(none);
      expect(policy("read")).toEqual({ ...none, idempotent: true });
      expect(policy("same_twice")).toEqual({ ...none, idempotent: true });
      expect(policy("wipe")).toEqual({ idempotent: undefined, retry: false, needsApproval: true });
      expect(policy("wipe_again")).toEqual({ idempotent: true, retry: false, needsApproval: true });
      // The spec reads destructiveHint only on tools that are not read-only.
      expect(policy("read_marked_destructive")).toEqual({ ...none, idempotent: true });
      expect(policy("not_destructive")).toEqual(none);
    } finally {
      await server.close();
    }
  });

  it("explicit policy wins: options.tools over annotations, the executor's policies over both", async () => {
    const server = await connectListed("annotated", TOOLS);
    try {
      const tools = await mcpTools(server.client, {
        tools: {
          read: { idempotent: false },
          wipe: { needsApproval: false, retry: { maxAttempts: 2 } },
        },
      });
      const byName = new Map(tools.map((t) => [t.name, t]));
      expect(byName.get("read")!.idempotent).toBe(false);
      expect(byName.get("wipe")).toMatchObject({ needsApproval: false, retry: { maxAttempts: 2 } });
      const executor = createExecutor({
        tools: await mcpTools(server.client),
        policies: { wipe_again: { needsApproval: false } },
      });
      try {
        const [outcome] = (
          await executor.execute([{ id: "w", name: "wipe_again", args: { q: "x" } }])
        ).outcomes;
        expect(outcome).toMatchObject({ status: "ok", value: { q: "x" } });
      } finally {
        await executor.close();
      }
    } finally {
      await server.close();
    }
  });

  it("in a batch: identical read-only calls run once; a destructive call waits for approval", async () => {
    const server = await connectListed("annotated", TOOLS);
    const executor = createExecutor({ tools: await mcpTools(server.client) });
    try {
      const report = await executor.execute([
        { id: "r1", name: "read", args: { q: "x" } },
        { id: "r2", name: "read", args: { q: "x" } },
        { id: "w", name: "wipe", args: { q: "all" } },
      ]);
      const [r1, r2, w] = report.outcomes;
      expect(r1).toMatchObject({ status: "ok", value: { q: "x" } });
      expect(r2).toMatchObject({ status: "ok", value: { q: "x" }, deduped: true });
      // No `approve` for the batch: the call is refused, not run.
      expect(w).toMatchObject({ status: "error", error: { kind: "rejected" } });
      expect(server.calls.map((c) => c.name)).toEqual(["read"]);
      const approved = await executor.execute([{ id: "w2", name: "wipe", args: { q: "all" } }], {
        approve: () => [{ type: "approve" }],
      });
      expect(approved.outcomes[0]).toMatchObject({ status: "ok" });
    } finally {
      await executor.close();
      await server.close();
    }
  });

  it("a destructive tool is not retried under the executor's default retry; others are", async () => {
    const server = await connectListed("failing", TOOLS, {
      call: () => ({ content: [{ type: "text", text: "nope" }], isError: true }),
    });
    const executor = createExecutor({
      tools: await mcpTools(server.client, { tools: { wipe: { needsApproval: false } } }),
      retry: { maxAttempts: 3, initialInterval: 1, jitter: false },
    });
    try {
      const [wipe, plain] = (
        await executor.execute([
          { id: "w", name: "wipe", args: {} },
          { id: "p", name: "plain", args: {} },
        ])
      ).outcomes;
      expect(wipe).toMatchObject({ status: "error", attempts: 1, error: { kind: "tool_error" } });
      expect(plain).toMatchObject({ status: "error", attempts: 3, error: { message: "nope" } });
    } finally {
      await executor.close();
      await server.close();
    }
  });
});
