/**
 * The node under test in the ported LangGraph.js suite, as the entry file's variant chose:
 * - `upstream` (the control): LangGraph's own `ToolNode` and `createReactAgent`;
 * - `volley`: `VolleyToolNode` with its default options wherever a test builds a `ToolNode`, and
 *   a `createReactAgent` that gets a `VolleyToolNode` where a test hands it an array of tools.
 *
 * The ported files import `ToolNode` and `createReactAgent` from here instead of upstream's
 * source; nothing else in them changes.
 */
import { Runnable } from "@langchain/core/runnables";
import * as prebuilt from "@langchain/langgraph/prebuilt";
import { VolleyToolNode } from "../../../src/langgraph/index.js";
import { variant } from "../variant.js";

type UpstreamToolNode = typeof prebuilt.ToolNode;
type CreateReactAgent = typeof prebuilt.createReactAgent;
type ReactAgentParams = Parameters<CreateReactAgent>[0];

const volley = variant() !== "upstream";

/**
 * `ToolNode` for the ported tests. Volley's takes the same `name`, `tags` and `handleToolErrors`
 * options, and nothing else is passed, so every construction runs with Volley's defaults.
 */
export const ToolNode: UpstreamToolNode = volley
  ? (VolleyToolNode as unknown as UpstreamToolNode)
  : prebuilt.ToolNode;

/**
 * `createReactAgent` for the ported tests. Given an array of tools, upstream's builds
 * `new ToolNode(tools)` from the client tools (the runnables; provider-side tools such as
 * `{ type: "web_search_preview" }` are only bound to the model). It also accepts a ready
 * `ToolNode` as `tools`, and reads the tools to bind from its `tools` field, so Volley's variant
 * hands it a `VolleyToolNode` built from the same array. No ported test mixes in provider-side
 * tools, which the node's `tools` field could not carry; such a call is refused rather than run
 * with fewer tools bound.
 */
export const createReactAgent: CreateReactAgent = volley
  ? (((params: ReactAgentParams) => {
      const tools: unknown = params.tools;
      if (!Array.isArray(tools)) return prebuilt.createReactAgent(params);
      if (!tools.every((tool) => Runnable.isRunnable(tool))) {
        throw new TypeError(
          "tests/compat: createReactAgent with provider-side tools has no Volley equivalent here",
        );
      }
      return prebuilt.createReactAgent({
        ...params,
        tools: new VolleyToolNode(
          tools as unknown as ConstructorParameters<typeof VolleyToolNode>[0],
        ) as unknown as ReactAgentParams["tools"],
      });
    }) as CreateReactAgent)
  : prebuilt.createReactAgent;
