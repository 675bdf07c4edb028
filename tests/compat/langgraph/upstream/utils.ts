// Ported from langchain-ai/langgraphjs at commit f8bdf16d4fe23a79e945ea5dc6f86bbf09abb77d: the test
// utilities the ported tests use, copied unchanged from libs/langgraph-core/src/tests/utils.ts
// (MemorySaverAssertImmutable, _AnyIdHumanMessage, _AnyIdAIMessage, _AnyIdToolMessage,
// getReadableMermaid) and libs/langgraph-core/src/utils.ts (gatherIterator). Only the imports
// change: the package's public entry points instead of its source files.
import { expect } from "vitest";
import { Graph as DrawableGraph } from "@langchain/core/runnables/graph";
import {
  AIMessage,
  HumanMessage,
  BaseMessageFields,
  AIMessageFields,
  ToolMessage,
  ToolMessageFields,
  MessageStructure,
} from "@langchain/core/messages";
import { RunnableConfig } from "@langchain/core/runnables";
import {
  MemorySaver,
  Checkpoint,
  CheckpointMetadata,
} from "@langchain/langgraph-checkpoint";

export class MemorySaverAssertImmutable extends MemorySaver {
  storageForCopies: Record<string, Record<string, Uint8Array>> = {};

  constructor() {
    super();
    this.storageForCopies = {};
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata
  ): Promise<RunnableConfig> {
    const thread_id = config.configurable?.thread_id;
    this.storageForCopies[thread_id] ??= {};

    // assert checkpoint hasn't been modified since last written
    const saved = await this.get(config);
    if (saved) {
      const savedId = saved.id;
      if (this.storageForCopies[thread_id][savedId]) {
        const loaded = await this.serde.loadsTyped(
          "json",
          this.storageForCopies[thread_id][savedId]
        );

        expect(
          saved,
          `Checkpoint [${savedId}] has been modified since last written`
        ).toEqual(loaded);
      }
    }
    const [, serializedCheckpoint] = await this.serde.dumpsTyped(checkpoint);
    // save a copy of the checkpoint
    this.storageForCopies[thread_id][checkpoint.id] = serializedCheckpoint;

    return super.put(config, checkpoint, metadata);
  }
}

export class _AnyIdHumanMessage extends HumanMessage {
  get lc_id() {
    return ["langchain_core", "messages", "HumanMessage"];
  }

  constructor(fields: BaseMessageFields | string) {
    let fieldsWithJestMatcher: Partial<BaseMessageFields> = {
      id: expect.any(String) as unknown as string,
    };
    if (typeof fields === "string") {
      fieldsWithJestMatcher = {
        content: fields,
        ...fieldsWithJestMatcher,
      };
    } else {
      fieldsWithJestMatcher = {
        ...fields,
        ...fieldsWithJestMatcher,
      };
    }
    super(fieldsWithJestMatcher as BaseMessageFields);
  }
}

export class _AnyIdAIMessage extends AIMessage {
  get lc_id() {
    return ["langchain_core", "messages", "AIMessage"];
  }

  constructor(fields: AIMessageFields | string) {
    let fieldsWithJestMatcher: Partial<AIMessageFields> = {
      id: expect.any(String) as unknown as string,
    };
    if (typeof fields === "string") {
      fieldsWithJestMatcher = {
        content: fields,
        ...fieldsWithJestMatcher,
      };
    } else {
      fieldsWithJestMatcher = {
        ...fields,
        ...fieldsWithJestMatcher,
      };
    }
    super(fieldsWithJestMatcher as AIMessageFields);
  }
}

export class _AnyIdToolMessage extends ToolMessage {
  get lc_id() {
    return ["langchain_core", "messages", "ToolMessage"];
  }

  constructor(fields: ToolMessageFields<MessageStructure>) {
    super({
      id: expect.any(String) as unknown as string,
      ...fields,
      ...(fields.metadata != null
        ? {
            metadata: expect.objectContaining(
              fields.metadata
            ) as unknown as Record<string, unknown>,
          }
        : {}),
    });
  }
}

export function getReadableMermaid(graph: DrawableGraph) {
  const mermaid = graph.drawMermaid({ withStyles: false });
  return mermaid
    .replace(/\s*&nbsp;(.*)&nbsp;\s*/g, "[$1]")
    .split("\n")
    .slice(1)
    .map((i) => {
      const res = i.trim();
      if (res.endsWith(";")) return res.slice(0, -1);
      return res;
    })
    .filter(Boolean);
}

export async function gatherIterator<T>(
  i:
    | AsyncIterable<T>
    | Promise<AsyncIterable<T>>
    | Iterable<T>
    | Promise<Iterable<T>>
): Promise<Array<T>> {
  const out: T[] = [];
  for await (const item of await i) {
    out.push(item);
  }
  return out;
}
