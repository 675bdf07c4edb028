import pino from "pino";
import { describe, expect, it } from "vitest";
import { createExecutor } from "../../src/index.js";
import { attachLogger } from "../../src/logging/index.js";

describe("attachLogger refuses unknown option keys", () => {
  it("names the nearest option", () => {
    const executor = createExecutor({ tools: [] });
    const logger = pino({ enabled: false });
    expect(() => attachLogger(executor, logger, { maxStringLen: 10 } as never)).toThrow(
      'Unknown option "maxStringLen" for attachLogger; did you mean "maxStringLength"? Known options: redact, maxStringLength, maxItems, maxDepth, args, results.',
    );
  });
});
