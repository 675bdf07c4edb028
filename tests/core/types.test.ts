import { tool as lcTool } from "@langchain/core/tools";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  createExecutor,
  defineTool,
  type ErrorKind,
  type Outcome,
  type Report,
  type ToolContext,
} from "../../src/index.js";

describe("types of the public API", () => {
  it("infers args from the schema and the result from run, per tool", async () => {
    const search = defineTool({
      name: "search",
      description: "",
      schema: z.object({ query: z.string(), limit: z.number().optional() }),
      run: async (args, ctx) => {
        expectTypeOf(args).toEqualTypeOf<{ query: string; limit?: number | undefined }>();
        expectTypeOf(ctx).toEqualTypeOf<ToolContext>();
        return [{ url: "u" }];
      },
    });
    const count = defineTool({
      name: "count",
      description: "",
      schema: z.object({}),
      run: () => 3,
    });
    const executor = createExecutor({ tools: [search, count] });
    const report = await executor.execute([]);
    for (const outcome of report.outcomes) {
      if (outcome.status === "ok") {
        if (outcome.name === "search")
          expectTypeOf(outcome.value).toEqualTypeOf<{ url: string }[]>();
        if (outcome.name === "count") expectTypeOf(outcome.value).toEqualTypeOf<number>();
      } else {
        expectTypeOf(outcome.error.kind).toEqualTypeOf<ErrorKind>();
      }
    }
    expectTypeOf(report).toExtend<Report<Outcome>>();
  });

  it("accepts LangChain tools as they are", () => {
    const weather = lcTool(async ({ city }: { city: string }) => city, {
      name: "weather",
      description: "",
      schema: z.object({ city: z.string() }),
    });
    createExecutor({ tools: [weather] });
  });

  it("keeps the error kinds an exhaustive union", () => {
    const describeKind = (kind: ErrorKind): string => {
      switch (kind) {
        case "invalid_call":
        case "unknown_tool":
        case "invalid_args":
        case "tool_error":
        case "timeout":
        case "deadline":
        case "cancelled":
        case "rejected":
        case "crashed":
          return kind;
        default: {
          const never: never = kind;
          return never;
        }
      }
    };
    describeKind("timeout");
  });
});
