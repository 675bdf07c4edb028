import type { ToolCall as LangChainToolCall } from "@langchain/core/messages/tool";
import { prettifyError } from "zod";
import { importPeer } from "../core/optional-peer.js";
import { isLangChainTool, isVolleyTool, type AnyTool } from "../core/index.js";
import { errorText } from "../core/describe-value.js";
import { coreTools } from "./peers.js";

const coreTypes = await importPeer(() => import("@langchain/core/utils/types"), "volley/langgraph");

/**
 * What a LangChain tool would have thrown for arguments that Volley's executor refused before
 * the tool ran (`invalid_args` from the tool's zod schema): the `ToolInputParsingException` that
 * `StructuredTool.call` of `@langchain/core` builds, with its wording. A node that answers, or
 * rethrows, with it says what `ToolNode` says for the same call. `undefined` for a tool that is
 * not LangChain's, a schema that is not zod, or arguments LangChain's own parse accepts (and if
 * anything here throws: the answer then keeps Volley's own account).
 */
export async function langChainInputError(
  tool: AnyTool | undefined,
  call: LangChainToolCall,
): Promise<Error | undefined> {
  if (tool === undefined || isVolleyTool(tool) || !isLangChainTool(tool)) return undefined;
  const { schema, verboseParsingErrors } = tool as {
    readonly schema?: unknown;
    readonly verboseParsingErrors?: unknown;
  };
  try {
    if (!coreTypes.isInteropZodSchema(schema)) return undefined;
    await coreTypes.interopParseAsync(schema, call.args);
    return undefined;
  } catch (error) {
    return parseFailure(error, verboseParsingErrors, call);
  }
}

function parseFailure(
  error: unknown,
  verbose: unknown,
  call: LangChainToolCall,
): Error | undefined {
  try {
    // As @langchain/core words it (tools/index.ts, StructuredTool.call).
    let message = "Received tool input did not match expected schema";
    if (verbose) message = `${message}\nDetails: ${errorText(error)}`;
    if (coreTypes.isInteropZodError(error)) {
      message = `${message}\n\n${prettifyError(error as Parameters<typeof prettifyError>[0])}`;
    }
    return new coreTools.ToolInputParsingException(
      message,
      JSON.stringify({ ...call, type: "tool_call" }),
    );
  } catch {
    return undefined;
  }
}
