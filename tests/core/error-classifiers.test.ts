import { beforeEach, describe, expect, it, vi } from "vitest";
import type * as ClassifyModule from "../../src/core/engine/classify.js";
import type * as RegistryModule from "../../src/core/error-classifiers.js";
import type { ErrorKind } from "../../src/core/outcome.js";

/** Fresh copies of the core's modules: no classifier registered, whatever other tests loaded. */
async function freshCore(): Promise<typeof ClassifyModule & typeof RegistryModule> {
  vi.resetModules();
  const classify = await import("../../src/core/engine/classify.js");
  const registry = await import("../../src/core/error-classifiers.js");
  return { ...classify, ...registry };
}

/** An error shaped like LangChain's input-parsing error: a class of that name that sets no `name`. */
class ToolInputParsingException extends Error {}

class NamedLikeLangChain extends Error {
  override name = "ToolInputParsingException";
}

describe("the core's classifyError knows no integration's errors", () => {
  beforeEach(() => void vi.resetModules());

  it("an error whose class or name is LangChain's ToolInputParsingException is a tool_error when nothing registered a classifier", async () => {
    const { classifyError } = await freshCore();
    expect(classifyError(new ToolInputParsingException("bad input"), "js")).toEqual({
      kind: "tool_error",
      message: "bad input",
      data: { name: "Error" },
    });
    expect(classifyError(new NamedLikeLangChain("bad input"), "js")).toMatchObject({
      kind: "tool_error",
      data: { name: "ToolInputParsingException" },
    });
  });
});

describe("addErrorClassifier", () => {
  it("gives a foreign error the kind a registered classifier says, keeping its message and name", async () => {
    const { addErrorClassifier, classifyError } = await freshCore();
    addErrorClassifier((e) =>
      e instanceof ToolInputParsingException ? "invalid_args" : undefined,
    );
    expect(classifyError(new ToolInputParsingException("bad input"), "js")).toEqual({
      kind: "invalid_args",
      message: "bad input",
      data: { name: "Error" },
    });
    expect(classifyError(new Error("boom"), "js").kind).toBe("tool_error");
  });

  it("offers thrown non-Errors too, but never Volley's own errors (they carry their kind)", async () => {
    const { addErrorClassifier, classifyError } = await freshCore();
    const { ToolError } = await import("../../src/core/errors/tool-error.js");
    const seen: unknown[] = [];
    addErrorClassifier((e) => {
      seen.push(e);
      return "rejected";
    });
    expect(classifyError("nope", "t")).toMatchObject({
      kind: "rejected",
      data: { name: "NonError" },
    });
    expect(classifyError(new ToolError("volley's own"), "t").kind).toBe("tool_error");
    expect(seen).toEqual(["nope"]);
  });

  it("asks classifiers in the order they were added; the first kind given wins", async () => {
    const { addErrorClassifier, classifiedKind } = await freshCore();
    const asked: string[] = [];
    const answer = (label: string, kind: ErrorKind | undefined) => (): ErrorKind | undefined => {
      asked.push(label);
      return kind;
    };
    addErrorClassifier(answer("a", undefined));
    addErrorClassifier(answer("b", "timeout"));
    addErrorClassifier(answer("c", "crashed"));
    expect(classifiedKind(new Error("x"))).toBe("timeout");
    expect(asked).toEqual(["a", "b"]);
  });

  it("is idempotent: the same function added twice is asked once", async () => {
    const { addErrorClassifier, classifiedKind } = await freshCore();
    let calls = 0;
    const count = (): undefined => void calls++;
    addErrorClassifier(count);
    addErrorClassifier(count);
    expect(classifiedKind(new Error("x"))).toBeUndefined();
    expect(calls).toBe(1);
  });

  it("passes over a classifier that throws or answers something that is not an error kind", async () => {
    const { addErrorClassifier, classifyError } = await freshCore();
    addErrorClassifier(() => {
      throw new Error("classifier bug");
    });
    addErrorClassifier(() => "not_a_kind" as ErrorKind);
    expect(classifyError(new Error("boom"), "t").kind).toBe("tool_error");
    addErrorClassifier(() => "invalid_args");
    expect(classifyError(new Error("boom"), "t").kind).toBe("invalid_args");
  });

  it("refuses a classifier that is not a function with a TypeError", async () => {
    const { addErrorClassifier } = await freshCore();
    expect(() => addErrorClassifier("invalid_args" as never)).toThrow(
      new TypeError("Expected an error classifier to be a function, got string"),
    );
  });

  it("is not exported from the volley entry point", async () => {
    const volley = await import("../../src/index.js");
    expect(Object.keys(volley)).not.toContain("addErrorClassifier");
    expect(Object.keys(volley)).not.toContain("classifiedKind");
  });
});
