import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "volley";
import { mcpTools, type McpClient, type McpToolsOptions } from "volley/mcp";
import { captureWarnings } from "../helpers/warnings.js";
import type { Connected } from "./fixtures/connect.js";
import { connectListed, listedTool } from "./fixtures/listed-server.js";

describe("mcpTools(): options and the tools it makes", () => {
  let server: Connected;

  beforeAll(async () => {
    server = await connectListed("optioned", [listedTool("echo"), listedTool("search")]);
  });

  afterAll(async () => {
    await server?.close();
  });

  it.each([
    [{ concurency: 4 }, /Unknown option "concurency" for mcpTools; did you mean "concurrency"\?/],
    [{ concurrency: 0 }, /mcpTools's concurrency to be a whole number ≥ 1 or Infinity, got `0`/],
    [{ rateLimit: { max: 0, perMs: 1_000 } }, /mcpTools's rateLimit\.max/],
    [{ rateLimit: 5 }, /mcpTools's rateLimit to be \{ max, perMs \}/],
    [{ circuitBreaker: { failures: -1 } }, /mcpTools's circuitBreaker\.failures/],
    [
      { circuitBreaker: { cooldown: 5 } },
      /Unknown option "cooldown" for mcpTools's circuitBreaker/,
    ],
    [{ name: "" }, /mcpTools's name to be a non-empty string/],
    [{ prefix: 5 }, /mcpTools's prefix to be a string/],
    [{ tools: [] }, /mcpTools's tools to be an object of policies/],
    [{ tools: { echo: 5 } }, /mcpTools's tools\.echo to be a policy object/],
    [{ tools: { echo: { timeoutMs: -1 } } }, /mcpTools's tools\.echo\.timeoutMs/],
    [{ tools: { echo: { idleTimeoutMs: 0 } } }, /mcpTools's tools\.echo\.idleTimeoutMs/],
    [{ tools: { echo: { timout: 5 } } }, /for mcpTools's tools\.echo; did you mean "timeoutMs"\?/],
    [
      { tools: { echo: { retry: { maxAttempts: 0 } } } },
      /mcpTools's tools\.echo\.retry\.maxAttempts/,
    ],
    [{ tools: { echo: { upstream: { name: "x" } } } }, /a server's tools share one upstream/],
    [
      { tools: { serch: {} } },
      /tools\.serch names no tool of MCP server "optioned"; its tools: echo, search/,
    ],
  ])("refuses %o with a TypeError naming the field", async (options, message) => {
    const made = mcpTools(server.client, options as unknown as McpToolsOptions);
    await expect(made).rejects.toThrow(TypeError);
    await expect(made).rejects.toThrow(message);
  });

  it("refuses what is not a client, and a client that is not connected", async () => {
    await expect(mcpTools({} as McpClient)).rejects.toThrow(
      /Expected mcpTools\(\) to get an MCP Client/,
    );
    await expect(mcpTools(null as unknown as McpClient)).rejects.toThrow(TypeError);
    const idle = new Client({ name: "idle", version: "1.0.0" });
    await expect(mcpTools(idle)).rejects.toThrow(/connect the client first/);
  });

  it("gives every tool of a server one frozen upstream, named mcp:<server name>", async () => {
    const tools = await mcpTools(server.client, {
      concurrency: 4,
      rateLimit: { max: 10, perMs: 1_000 },
      circuitBreaker: { failures: 5 },
    });
    const [echo, search] = tools;
    expect(echo!.upstream).toEqual({
      name: "mcp:optioned",
      concurrency: 4,
      rateLimit: { max: 10, perMs: 1_000 },
      circuitBreaker: { failures: 5 },
    });
    expect(search!.upstream).toBe(echo!.upstream);
    expect(Object.isFrozen(echo!.upstream)).toBe(true);
    const [renamed] = await mcpTools(server.client, { name: "search-api" });
    expect(renamed!.upstream).toEqual({ name: "mcp:search-api" });
  });

  it("two mcpTools() of one server with different limits cannot share an executor", async () => {
    const first = await mcpTools(server.client, { concurrency: 2 });
    const second = await mcpTools(server.client, { concurrency: 3, prefix: "again_" });
    expect(() => createExecutor({ tools: [...first, ...second] })).toThrow(TypeError);
    const renamed = await mcpTools(server.client, { name: "other", concurrency: 3, prefix: "b_" });
    await createExecutor({ tools: [...first, ...renamed] }).close();
  });

  it("puts the prefix before each name; options.tools and the server use the server's names", async () => {
    const tools = await mcpTools(server.client, {
      prefix: "srv_",
      tools: { echo: { timeoutMs: 1_234 } },
    });
    expect(tools.map((t) => t.name)).toEqual(["srv_echo", "srv_search"]);
    expect(tools[0]!.timeoutMs).toBe(1_234);
    expect(tools[0]!.description).toBe("The echo tool");
    const executor = createExecutor({ tools });
    try {
      const [outcome] = (await executor.execute([{ id: "1", name: "srv_echo", args: { a: 1 } }]))
        .outcomes;
      expect(outcome).toMatchObject({ status: "ok", value: { a: 1 } });
    } finally {
      await executor.close();
    }
  });

  it("leaves out tools that run only as tasks, with a VOLLEY_MCP warning", async () => {
    const taskOnly: McpToolInfo = {
      ...listedTool("batch_job"),
      execution: { taskSupport: "required" },
    };
    const tasks = await connectListed("tasks", [listedTool("echo"), taskOnly]);
    try {
      using captured = captureWarnings();
      const tools = await mcpTools(tasks.client);
      expect(tools.map((t) => t.name)).toEqual(["echo"]);
      expect(captured.warnings).toHaveLength(1);
      expect(captured.warnings[0]).toMatchObject({ code: "VOLLEY_MCP" });
      expect(captured.warnings[0]!.message).toContain("batch_job");
    } finally {
      await tasks.close();
    }
  });
});
