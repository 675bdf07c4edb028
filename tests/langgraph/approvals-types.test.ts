import type {
  ActionRequest as LangChainActionRequest,
  Decision as LangChainDecision,
  HITLRequest as LangChainHITLRequest,
  HITLResponse as LangChainHITLResponse,
  ReviewConfig as LangChainReviewConfig,
} from "langchain";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  defineTool,
  type ApprovalDecision,
  type NeedsApproval,
  type Policy,
} from "../../src/core/index.js";
import type {
  ActionRequest,
  HITLRequest,
  HITLResponse,
  ReviewConfig,
} from "../../src/langgraph/index.js";

describe("the approval shapes", () => {
  it("are langchain's humanInTheLoopMiddleware shapes, both ways", () => {
    expectTypeOf<HITLRequest>().toExtend<LangChainHITLRequest>();
    expectTypeOf<LangChainHITLRequest>().toExtend<HITLRequest>();
    expectTypeOf<HITLResponse>().toExtend<LangChainHITLResponse>();
    expectTypeOf<LangChainHITLResponse>().toExtend<HITLResponse>();
    expectTypeOf<ActionRequest>().toExtend<LangChainActionRequest>();
    expectTypeOf<LangChainActionRequest>().toExtend<ActionRequest>();
    expectTypeOf<ReviewConfig>().toExtend<LangChainReviewConfig>();
    expectTypeOf<LangChainReviewConfig>().toExtend<ReviewConfig>();
    expectTypeOf<ApprovalDecision>().toExtend<LangChainDecision>();
    expectTypeOf<LangChainDecision>().toExtend<ApprovalDecision>();
  });

  it("types a tool's needsApproval by its schema, and a policy's by plain records", () => {
    defineTool({
      name: "rm",
      description: "",
      schema: z.object({ path: z.string() }),
      needsApproval: ({ path }, { callId }) => {
        expectTypeOf(path).toEqualTypeOf<string>();
        expectTypeOf(callId).toEqualTypeOf<string>();
        return path.startsWith("/etc");
      },
      run: () => 1,
    });
    defineTool({
      name: "pay",
      description: "",
      schema: z.object({ amount: z.number() }),
      needsApproval: {
        when: async ({ amount }) => amount > 100,
        allowedDecisions: ["approve", "reject"],
        description: ({ amount }) => `Pay ${amount}`,
      },
      run: () => 1,
    });
    const policy: Policy = { needsApproval: (args) => String(args["to"]).endsWith("@ceo.com") };
    expectTypeOf(policy.needsApproval).toEqualTypeOf<NeedsApproval | undefined>();
  });
});
