/**
 * Approvals that never stall the batch: a `createAgent` agent whose model asks for four tool
 * calls at once, two of which need a human's approval (`needsApproval` in the executor's
 * policies). The two that need none run at once, the slow one included; once they have
 * finished, ONE interrupt asks about the other two, in langchain's `HITLRequest` shape, so a UI
 * built for `humanInTheLoopMiddleware` works as it is. The human rejects one and edits the other;
 * the resume runs the edited call only, and nothing that finished runs again.
 *
 * With `humanInTheLoopMiddleware` instead, the slow lookup would wait for the human too: it
 * would start only after the answer.
 *
 * The model is langchain's `fakeModel`, scripted, so this runs offline.
 *
 * Run: npx tsx examples/approvals.ts
 * Peers: langchain, @langchain/core, @langchain/langgraph, zod
 * Expect: nothing ran twice: lookup 1, search 1, delete_file 0, send_email 1
 */
import { Command, MemorySaver } from "@langchain/langgraph";
import { AIMessage, HumanMessage, ToolMessage, createAgent, fakeModel, tool } from "langchain";
import { createExecutor } from "volley";
import { volleyMiddleware, type HITLRequest, type HITLResponse } from "volley/langgraph";
import { z } from "zod";

const started = performance.now();
const at = (): string => `${((performance.now() - started) / 1000).toFixed(2)} s`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Each tool counts how often it really ran: the side effects a resume must not repeat.
const ran = { lookup: 0, search: 0, delete_file: 0, send_email: 0 };
const lookup = tool(
  async ({ order }) => {
    await sleep(600); // a slow API: it should not wait for the human
    ran.lookup++;
    console.log(`[${at()}] lookup finished`);
    return `Order ${order}: shipped`;
  },
  { name: "lookup", description: "Looks an order up", schema: z.object({ order: z.string() }) },
);
const search = tool(
  async ({ q }) => {
    ran.search++;
    console.log(`[${at()}] search finished`);
    return `3 results for ${q}`;
  },
  { name: "search", description: "Searches the docs", schema: z.object({ q: z.string() }) },
);
const deleteFile = tool(
  async ({ path }) => {
    ran.delete_file++;
    return `deleted ${path}`;
  },
  { name: "delete_file", description: "Deletes a file", schema: z.object({ path: z.string() }) },
);
const sendEmail = tool(
  async ({ to, body }) => {
    ran.send_email++;
    console.log(`[${at()}] send_email finished`);
    return `sent to ${to}: ${body}`;
  },
  {
    name: "send_email",
    description: "Sends an email",
    schema: z.object({ to: z.string().email(), body: z.string() }),
  },
);
const tools = [lookup, search, deleteFile, sendEmail];

// The executor owns the policies: which calls need a human, and what the human may decide.
await using executor = createExecutor({
  tools,
  policies: {
    delete_file: { needsApproval: true },
    send_email: {
      needsApproval: {
        when: ({ to }) => !String(to).endsWith("@example.com"),
        allowedDecisions: ["approve", "edit", "reject"],
        description: "An email to someone outside the company",
      },
    },
  },
});

const model = fakeModel()
  .respondWithTools([
    { id: "c1", name: "lookup", args: { order: "A-17" } },
    { id: "c2", name: "delete_file", args: { path: "/var/log/app.log" } },
    { id: "c3", name: "search", args: { q: "refunds" } },
    {
      id: "c4",
      name: "send_email",
      args: { to: "jo@client.org", body: "Your refund is on its way" },
    },
  ])
  .respond(new AIMessage("Order A-17 has shipped; Jo has been told."));

const agent = createAgent({
  model,
  tools,
  middleware: [volleyMiddleware(executor)],
  checkpointer: new MemorySaver(), // interrupts need one; SqliteSaver keeps threads across restarts
});
const config = { configurable: { thread_id: "support-42" } };

const first = await agent.invoke({ messages: [new HumanMessage("Handle order A-17")] }, config);
const [pending] = first.__interrupt__ ?? [];
const request = pending?.value as HITLRequest;
console.log(`[${at()}] 1 interrupt for ${request.actionRequests.length} calls:`);
for (const action of request.actionRequests) {
  console.log(
    `  ${action.name} ${JSON.stringify(action.args)}: ${action.description?.split("\n")[0]}`,
  );
}

// The human takes their time; nothing waits on them any more.
await sleep(300);
const resume: HITLResponse = {
  decisions: [
    { type: "reject", message: "Keep the logs; they are needed for the audit." },
    {
      type: "edit",
      editedAction: {
        name: "send_email",
        args: { to: "jo@client.org", body: "Your refund of 40 EUR is on its way" },
      },
    },
  ],
};
console.log(`[${at()}] the human answered`);
const result = await agent.invoke(new Command({ resume }), config);

for (const m of result.messages.filter((m) => ToolMessage.isInstance(m))) {
  console.log(`  ${m.tool_call_id} (${m.status}): ${String(m.content)}`);
}
console.log(`Agent: ${String(result.messages.at(-1)?.content)}`);
console.log(
  `nothing ran twice: lookup ${ran.lookup}, search ${ran.search}, delete_file ${ran.delete_file}, send_email ${ran.send_email}`,
);
