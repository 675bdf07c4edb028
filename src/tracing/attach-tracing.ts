import type * as OpenTelemetry from "@opentelemetry/api";
import type { Context, Span, Tracer } from "@opentelemetry/api";
import type { Executor, Outcome } from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { requirePeer } from "../core/optional-peer.js";
import { ATTR, BATCH_SPAN_NAME, EXECUTE_TOOL } from "./attributes.js";

// Required, not imported, so that a missing package says what to install (see optional-peer.ts).
const { context, SpanKind, SpanStatusCode, trace } = requirePeer<typeof OpenTelemetry>(
  "@opentelemetry/api",
  "volley/tracing",
);

/** What {@link attachTracing} needs of an executor. */
export type TracingTarget = Pick<Executor, "on">;

/** What {@link attachTracing} returns. */
export interface TracingHandle extends Disposable {
  /**
   * The context of a running call's span, for a tool to parent its own spans under it (a tool
   * runs in the context that happened to start it, not in its span's). Falls back to the
   * active context once the call has finished or when it is unknown.
   * @example
   * run: (args, ctx) => context.with(tracing.contextOf(ctx), () => fetchWithSpans(args))
   */
  contextOf(call: { readonly batchId: string; readonly callId: string }): Context;
  /** Stops tracing this executor's events; spans already open are ended. Idempotent. */
  detach(): void;
}

interface BatchTrace {
  readonly span: Span;
  /** The batch span's context: the parent of its call spans. */
  readonly context: Context;
  readonly startedAt: number;
  readonly calls: Map<string, Span>;
}

/**
 * Traces an executor with OpenTelemetry, following the GenAI semantic conventions: one span per
 * call, named `execute_tool {tool}`, with `gen_ai.operation.name`, `gen_ai.tool.name`,
 * `gen_ai.tool.call.id` and, on failure, `error.type` (the outcome's error kind). A batch's call
 * spans are children of one `volley.batch` span, itself a child of the span active where
 * `execute()` was called. Retries are span events.
 * @param tracer Where spans go. @default trace.getTracer("volley")
 * @throws TypeError for a bad executor or tracer.
 * @example
 * const { detach } = attachTracing(executor, trace.getTracer("my-agent"));
 */
export function attachTracing(executor: TracingTarget, tracer?: Tracer): TracingHandle {
  if (typeof executor !== "object" || executor === null || typeof executor.on !== "function") {
    throw new TypeError(`Expected an executor with on(), got ${describeValue(executor)}`);
  }
  if (
    tracer !== undefined &&
    (typeof tracer !== "object" || tracer === null || typeof tracer.startSpan !== "function")
  ) {
    throw new TypeError(
      `Expected tracer to be an OpenTelemetry Tracer (with startSpan), got ${describeValue(tracer)}`,
    );
  }
  const spans = tracer ?? trace.getTracer("volley");
  const batches = new Map<string, BatchTrace>();
  // Call spans of batches that started before attachTracing(), keyed by batch and call id.
  const orphans = new Map<string, Span>();

  /** Where a call span hangs: its batch span, or (attached mid-batch) the active context. */
  const parentOf = (batchId: string): Context => batches.get(batchId)?.context ?? context.active();

  const orphanKey = (batchId: string, callId: string): string => `${batchId}\0${callId}`;
  const findCall = (batchId: string, callId: string): Span | undefined => {
    const batch = batches.get(batchId);
    return batch !== undefined
      ? batch.calls.get(callId)
      : orphans.size === 0
        ? undefined
        : orphans.get(orphanKey(batchId, callId));
  };
  const takeCall = (batchId: string, callId: string): Span | undefined => {
    const batch = batches.get(batchId);
    if (batch !== undefined) {
      const span = batch.calls.get(callId);
      if (span !== undefined) batch.calls.delete(callId);
      return span;
    }
    if (orphans.size === 0) return undefined;
    const key = orphanKey(batchId, callId);
    const span = orphans.get(key);
    orphans.delete(key);
    return span;
  };

  const startCallSpan = (
    batchId: string,
    callId: string,
    index: number,
    tool: string,
    startTime: number,
  ): Span =>
    spans.startSpan(
      `${EXECUTE_TOOL} ${tool}`,
      {
        kind: SpanKind.INTERNAL,
        startTime,
        // Literal keys (the values of ATTR): V8 builds such objects from a template, fast.
        attributes: {
          "gen_ai.operation.name": EXECUTE_TOOL,
          "gen_ai.tool.name": tool,
          "gen_ai.tool.call.id": callId,
          "gen_ai.tool.type": "function",
          "volley.batch.id": batchId,
          "volley.call.index": index,
        },
      },
      parentOf(batchId),
    );

  const endCallSpan = (span: Span, outcome: Outcome, endTime: number): void => {
    span.setAttribute(ATTR.attempts, outcome.attempts);
    if (outcome.status === "error") {
      span.setAttribute(ATTR.errorType, outcome.error.kind);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
    }
    span.end(endTime);
  };

  const unsubscribe = [
    // Emitted synchronously inside execute(): context.active() is the caller's context here.
    executor.on("batch:started", (e) => {
      const parent = context.active();
      const span = spans.startSpan(
        BATCH_SPAN_NAME,
        {
          kind: SpanKind.INTERNAL,
          startTime: e.startedAt,
          attributes: { [ATTR.batchId]: e.batchId, [ATTR.batchSize]: e.size },
        },
        parent,
      );
      batches.set(e.batchId, {
        span,
        context: trace.setSpan(parent, span),
        startedAt: e.startedAt,
        calls: new Map(),
      });
    }),
    executor.on("call:started", (e) => {
      if (e.attempt > 1) {
        findCall(e.batchId, e.callId)?.addEvent(
          "volley.attempt",
          { attempt: e.attempt },
          e.startedAt,
        );
        return;
      }
      const batch = batches.get(e.batchId);
      const span = startCallSpan(e.batchId, e.callId, e.index, e.tool, e.startedAt);
      span.setAttribute(ATTR.queuedMs, e.queuedMs);
      if (batch !== undefined) batch.calls.set(e.callId, span);
      else orphans.set(orphanKey(e.batchId, e.callId), span);
    }),
    executor.on("call:progress", (e) => {
      const attributes: Record<string, number | string> = { attempt: e.attempt };
      if (e.progress !== undefined) attributes["volley.progress"] = e.progress;
      if (e.total !== undefined) attributes["volley.progress.total"] = e.total;
      if (e.message !== undefined) attributes["volley.progress.message"] = e.message;
      findCall(e.batchId, e.callId)?.addEvent("volley.progress", attributes, e.at);
    }),
    executor.on("call:retry", (e) => {
      findCall(e.batchId, e.callId)?.addEvent("volley.retry", {
        attempt: e.attempt,
        [ATTR.errorType]: e.error.kind,
        "volley.retry.delay_ms": e.delayMs,
        "exception.message": e.error.message,
      });
    }),
    executor.on("call:abandoned", (e) => {
      batches.get(e.batchId)?.span.addEvent("volley.call.abandoned", {
        [ATTR.toolCallId]: e.callId,
        [ATTR.toolName]: e.tool,
        attempt: e.attempt,
        "volley.abandoned.reason": e.reason,
        "volley.abandoned.late_ms": e.lateMs,
      });
    }),
    executor.on("call:finished", (e) => {
      const outcome = e.outcome;
      // Only a call that started has a span; a later duplicate of its id never starts.
      const ranHere = outcome.startedAt !== null && outcome.replayed !== true;
      if (ranHere) {
        const span = takeCall(e.batchId, e.callId);
        if (span !== undefined) {
          endCallSpan(span, outcome, outcome.startedAt + outcome.durationMs);
          return;
        }
      }
      // No span yet: the call never ran here (bad call, unknown tool, cancelled while queued,
      // replayed from a journal: zero length, now) or started before attachTracing() (its real
      // times). Still one span, so that the trace shows every call the model made.
      const start = ranHere ? outcome.startedAt : Date.now();
      const span = startCallSpan(e.batchId, e.callId, e.index, e.tool, start);
      if (outcome.replayed === true) span.setAttribute(ATTR.replayed, true);
      endCallSpan(span, outcome, ranHere ? start + outcome.durationMs : start);
    }),
    executor.on("batch:finished", (e) => {
      const batch = batches.get(e.batchId);
      if (batch === undefined) return;
      batches.delete(e.batchId);
      for (const span of batch.calls.values()) span.end();
      batch.span.setAttributes({ [ATTR.batchOk]: e.counts.ok, [ATTR.batchErrors]: e.counts.error });
      batch.span.end(batch.startedAt + e.wallMs);
    }),
  ];

  let attached = true;
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    for (const off of unsubscribe) off();
    for (const batch of batches.values()) {
      for (const span of batch.calls.values()) span.end();
      batch.span.end();
    }
    for (const span of orphans.values()) span.end();
    batches.clear();
    orphans.clear();
  };
  const contextOf = ({ batchId, callId }: { batchId: string; callId: string }): Context => {
    const span = findCall(batchId, callId);
    return span === undefined ? context.active() : trace.setSpan(context.active(), span);
  };
  return { contextOf, detach, [Symbol.dispose]: detach };
}
