import { describe, expect, it } from "vitest";
import { RequestSignal } from "../../src/mcp/request-signal.js";

describe("RequestSignal, the signal a request gives the SDK", () => {
  it("aborts once, telling onabort and each listener, functions and handleEvent objects", () => {
    const signal = new RequestSignal();
    const heard: string[] = [];
    signal.onabort = () => void heard.push("onabort");
    signal.addEventListener("abort", () => heard.push("first"));
    signal.addEventListener("abort", { handleEvent: () => void heard.push("second") });
    expect(() => signal.throwIfAborted()).not.toThrow();
    signal.abort("timeout");
    signal.abort("cancelled");
    expect(heard).toEqual(["onabort", "first", "second"]);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("timeout");
    expect(() => signal.throwIfAborted()).toThrow("timeout");
  });

  it("forgets a removed listener, and a listener that throws stops neither the others nor abort", () => {
    const signal = new RequestSignal();
    const heard: string[] = [];
    const removed = (): void => void heard.push("removed");
    signal.addEventListener("abort", removed);
    signal.addEventListener("abort", () => {
      throw new Error("listener bug");
    });
    signal.addEventListener("abort", () => heard.push("last"));
    signal.removeEventListener("abort", removed);
    expect(() => signal.abort("cancelled")).not.toThrow();
    expect(heard).toEqual(["last"]);
  });
});
