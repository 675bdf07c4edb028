/**
 * The agent under test, by variant: `upstream` is langchain's `createAgent` as it is (the
 * control); `volley-first` and `volley-last` add `volleyMiddleware` with its defaults first
 * (outermost) or last (innermost) in every agent's middleware list, on an executor that knows the
 * agent's tools (its own and its middleware's). Nothing else about the agent changes.
 */
import { createAgent as langchainCreateAgent, type AgentMiddleware } from "langchain";
import { createExecutor, isLangChainTool, type AnyTool } from "../../../src/core/index.js";
import { volleyMiddleware } from "../../../src/langgraph/index.js";
import { variant } from "../variant.js";

interface AgentParams {
  readonly tools?: readonly unknown[];
  readonly middleware?: readonly AgentMiddleware[];
}

/** The tools an executor can run, once per name: server tools (plain objects) are left out. */
function executorTools(params: AgentParams): AnyTool[] {
  const all = [
    ...(params.tools ?? []),
    ...(params.middleware ?? []).flatMap((m) => (m as { tools?: readonly unknown[] }).tools ?? []),
  ];
  const byName = new Map<string, AnyTool>();
  for (const tool of all) {
    if (isLangChainTool(tool) && !byName.has(tool.name)) byName.set(tool.name, tool as AnyTool);
  }
  return [...byName.values()];
}

function createAgentFor(params: AgentParams): unknown {
  const current = variant();
  if (current === "upstream") return langchainCreateAgent(params as never);
  const volley = volleyMiddleware(createExecutor({ tools: executorTools(params) }));
  const own = params.middleware ?? [];
  const middleware = current === "volley-first" ? [volley, ...own] : [...own, volley];
  return langchainCreateAgent({ ...params, middleware } as never);
}

/** langchain's `createAgent`, with the variant's middleware list. */
export const createAgent = createAgentFor as unknown as typeof langchainCreateAgent;
