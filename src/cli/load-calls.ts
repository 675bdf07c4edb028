import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describeValue } from "../core/describe-value.js";
import { CliInputError } from "./cli-input-error.js";

/**
 * Reads all of a stream as text: UTF-8, or UTF-16 when it starts with that byte order mark
 * (see {@link decodeText}).
 */
export async function readStream(
  stream: AsyncIterable<string | Uint8Array>,
  signal?: AbortSignal,
): Promise<string> {
  const reading = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
    }
    return decodeText(Buffer.concat(chunks));
  })();
  if (signal === undefined) return reading;
  // Standard input may never end (a terminal, `tail -f … |`): Ctrl-C must not wait for it.
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    reading
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", onAbort))
      .catch(() => undefined);
  });
}

/**
 * Decodes a calls file: UTF-8, with or without a byte order mark (Notepad, PowerShell's
 * `Set-Content -Encoding UTF8`), or UTF-16 with one (Windows PowerShell's `>`). The mark is dropped.
 */
export function decodeText(bytes: Uint8Array): string {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? "utf-16le"
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? "utf-16be"
        : "utf-8";
  return new TextDecoder(encoding).decode(bytes);
}

/**
 * Reads the calls of `volley run --calls <file|->`: a file's path, or `-` for standard input.
 * @throws CliInputError when the file cannot be read or does not hold calls, naming what is wrong.
 */
export async function loadCalls(
  source: string,
  options: {
    cwd?: string;
    stdin?: AsyncIterable<string | Uint8Array>;
    /** Stops waiting for standard input; the promise then rejects with `signal.reason`. */
    signal?: AbortSignal;
  } = {},
): Promise<unknown[]> {
  let text: string;
  let where: string;
  if (source === "-") {
    where = "standard input";
    if (options.stdin === undefined)
      throw new CliInputError("No standard input to read calls from");
    text = await readStream(options.stdin, options.signal);
  } else {
    const path = resolve(options.cwd ?? process.cwd(), source);
    where = source;
    try {
      text = decodeText(await readFile(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliInputError(
        code === "ENOENT"
          ? `Calls file not found: ${path}`
          : `Cannot read the calls file ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return parseCalls(text, where);
}

/**
 * Reads calls from JSON text: an array of calls (`{ id, name, args }` or `{ id, tool_name, args }`),
 * or an AIMessage with `tool_calls` (plain, or LangChain's serialised form with `kwargs`).
 * OpenAI-style entries (`{ id, function: { name, arguments } }`) are read too.
 * @throws CliInputError when the text is not JSON, holds no list of calls, or an empty one.
 */
export function parseCalls(text: string, where = "the calls"): unknown[] {
  // A byte order mark is not JSON; files saved by Windows editors often start with one.
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  if (text.trim() === "") throw new CliInputError(`No calls: ${where} is empty`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliInputError(`${where} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const list = callList(data);
  if (list === undefined) {
    throw new CliInputError(
      `Expected ${where} to hold a JSON array of calls ([{ "id", "name", "args" }, …]) ` +
        `or an AIMessage with "tool_calls", got ${describeValue(data)}`,
    );
  }
  if (list.length === 0) {
    // Nothing would run: most likely the wrong file, or a model's turn that called no tool.
    throw new CliInputError(
      `No calls: ${where} holds ${Array.isArray(data) ? "an empty array" : "a message with an empty tool_calls list"}`,
    );
  }
  return list.map(fromOpenAi);
}

function callList(data: unknown): unknown[] | undefined {
  if (Array.isArray(data)) return data;
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (Array.isArray(message["tool_calls"])) return message["tool_calls"];
  // LangChain's serialised message: { lc: 1, type: "constructor", id: [...], kwargs: {...} }.
  const kwargs = message["kwargs"];
  if (typeof kwargs === "object" && kwargs !== null) {
    const inner = kwargs as Record<string, unknown>;
    if (Array.isArray(inner["tool_calls"])) return inner["tool_calls"];
    const extra = inner["additional_kwargs"] as Record<string, unknown> | undefined;
    if (Array.isArray(extra?.["tool_calls"])) return extra["tool_calls"];
  }
  const extra = message["additional_kwargs"] as Record<string, unknown> | undefined;
  if (Array.isArray(extra?.["tool_calls"])) return extra["tool_calls"];
  return undefined;
}

/** Turns an OpenAI-style tool call into LangChain's shape; leaves anything else as it is. */
function fromOpenAi(call: unknown): unknown {
  if (typeof call !== "object" || call === null) return call;
  const c = call as Record<string, unknown>;
  const fn = c["function"] as Record<string, unknown> | undefined;
  if (c["name"] !== undefined || c["tool_name"] !== undefined || typeof fn !== "object" || !fn)
    return call;
  let args = fn["arguments"];
  if (typeof args === "string") {
    try {
      args = JSON.parse(args === "" ? "{}" : args);
    } catch {
      // Left as the string: the tool's schema will say what is wrong with it.
    }
  }
  return { id: c["id"], name: fn["name"], args };
}
