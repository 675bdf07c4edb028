import type { Context, Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { describe, expectTypeOf, it } from "vitest";
import type { Executor, ToolContext } from "../../src/index.js";
import { attachLogger, type LoggerHandle, type LogSink } from "../../src/logging/index.js";
import { attachMetrics, type MetricsHandle } from "../../src/metrics/index.js";
import { attachTracing, type TracingHandle } from "../../src/tracing/index.js";
import type { echo } from "../metrics/tools.js";

describe("public types of the observers", () => {
  it("take any executor and the libraries' own objects", () => {
    type Typed = Executor<readonly [typeof echo]>;
    expectTypeOf<Logger>().toExtend<LogSink>();
    expectTypeOf(attachLogger).toBeCallableWith({} as Typed, {} as Logger);
    expectTypeOf(attachMetrics).toBeCallableWith({} as Typed, { registry: {} as Registry });
    expectTypeOf(attachTracing).toBeCallableWith({} as Typed, {} as Tracer);
    expectTypeOf(attachTracing).toBeCallableWith({} as Typed);
  });

  it("return handles that detach and dispose", () => {
    expectTypeOf(attachLogger).returns.toEqualTypeOf<LoggerHandle>();
    expectTypeOf<MetricsHandle["registry"]>().toEqualTypeOf<Registry>();
    expectTypeOf<MetricsHandle>().toExtend<Disposable & { detach(): void }>();
    expectTypeOf<TracingHandle>().toExtend<Disposable & { detach(): void }>();
    // A tool's own context is enough to find its span.
    expectTypeOf<TracingHandle["contextOf"]>().toBeCallableWith({} as ToolContext);
    expectTypeOf<ReturnType<TracingHandle["contextOf"]>>().toEqualTypeOf<Context>();
  });
});
