import pino from "pino";
import { createExecutor, defineTool } from "../src/core/index.ts";
import { attachLogger } from "../src/logging/index.ts";
import { z } from "zod";
const echo = defineTool({ name: "echo", description: "x", schema: z.any(), run: (a: any) => a });
const ex = createExecutor({ tools: [echo] });
attachLogger(ex, pino({ level: "info" }, pino.destination(1)));
await ex.execute([{ id: "a", name: "echo", args: JSON.parse('{"__proto__":{"token":"t","k":1},"n":{"password":"p"}}') }]);
