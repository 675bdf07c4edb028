import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool, type ErrorKind } from "../../src/index.js";
import { endsBeside, echo } from "./helpers.js";

/** A Standard Schema whose `validate` is `validate`. */
function standard(validate: (value: unknown) => unknown) {
  return { "~standard": { version: 1 as const, vendor: "test", validate } } as never;
}

const boom = (): never => {
  throw new Error("the schema broke");
};

describe("corpus: schemas that misbehave end the call, not the batch", () => {
  it.each<[string, unknown, ErrorKind]>([
    ["a zod refine that throws", z.object({}).refine(boom), "invalid_args"],
    ["a zod transform that throws", z.object({}).transform(boom), "invalid_args"],
    ["a Standard Schema whose validate throws", standard(boom), "invalid_args"],
    [
      "a Standard Schema whose async validate rejects",
      standard(() => Promise.reject(new Error("no"))),
      "invalid_args",
    ],
    [
      "a Standard Schema that rejects with a null-prototype object",
      standard(() => Promise.reject(Object.create(null))),
      "invalid_args",
    ],
    [
      "a Standard Schema with issues that have no path",
      standard(() => ({ issues: [{ message: "bad" }] })),
      "invalid_args",
    ],
    ["a zod async refine that fails", z.object({}).refine(async () => false), "invalid_args"],
  ])("%s", async (_label, schema, kind) => {
    const tool = defineTool({
      name: "checked",
      description: "",
      schema,
      run: () => "ran",
    } as never);
    await endsBeside({ id: "h", name: "checked", args: {} }, kind, { tools: [echo, tool] });
  });

  it("a zod async refine that passes runs the tool", async () => {
    const tool = defineTool({
      name: "checked",
      description: "",
      schema: z.object({}).refine(async () => true),
      run: () => "ran",
    });
    const { createExecutor } = await import("../../src/index.js");
    const report = await createExecutor({ tools: [tool] }).execute([
      { id: "a", name: "checked", args: {} },
    ]);
    expect(report.outcomes[0]).toMatchObject({ status: "ok", value: "ran" });
  });
});
