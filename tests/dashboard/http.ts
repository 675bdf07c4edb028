/** Plain HTTP and server-sent-event clients on node:http, for the dashboard tests. */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { DashboardUpdate } from "../../src/dashboard/index.js";

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request; redirects are not followed. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: options.method ?? "GET",
      headers: options.headers,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end();
  });
}

/** A server-sent event. */
export interface SseEvent {
  readonly event: string;
  readonly data: DashboardUpdate;
}

/** Reads `/events` as a plain client: frames are split on blank lines and parsed. */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  /** True once the server ended the stream. */
  ended = false;
  #waiters: (() => void)[] = [];
  #close: () => void = () => {};

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { headers: { Accept: "text/event-stream", ...headers } });
      client.#close = () => req.destroy();
      req.on("error", reject);
      req.on("response", (res) => {
        client.status = res.statusCode ?? 0;
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            client.#frame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        res.on("error", () => {});
        res.on("close", () => (client.ended = true));
        resolve(client);
      });
      req.end();
    });
  }

  #frame(text: string): void {
    let event = "message";
    let data = "";
    for (const line of text.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (data === "") return; // a comment (keep-alive) or the retry line
    this.events.push({ event, data: JSON.parse(data) as DashboardUpdate });
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once an event matches, failing after `timeoutMs`. */
  async until(match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No matching event in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#close();
  }
}
