import type { IncomingMessage, ServerResponse } from "node:http";

/** Options of {@link SseHub}. */
export interface SseHubOptions {
  /** The first event a client gets, and what a client that fell behind gets when it catches up. */
  readonly snapshot: () => unknown;
  /** Most clients at once; more get `503`. */
  readonly maxClients: number;
  /** A comment line this often keeps proxies from closing an idle stream (ms). */
  readonly heartbeatMs: number;
}

/**
 * How much may wait in a client's socket before it misses updates. Far above one snapshot at the
 * default ring sizes (~2 MiB at most), so that a snapshot alone never marks a client behind.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** One server-sent event frame. The JSON has no newlines, so one `data:` line is enough. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The server-sent event stream: a snapshot on connect, then broadcast updates. A client more
 * than {@link MAX_BUFFERED_BYTES} behind misses updates instead of buffering them; when its
 * socket drains it gets a fresh snapshot, so memory stays bounded however slow a reader is.
 */
export class SseHub {
  readonly #options: SseHubOptions;
  readonly #clients = new Set<ServerResponse>();
  readonly #behind = new WeakSet<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: SseHubOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) res.write(": keep-alive\n\n");
    }, options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Clients connected now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Turns a request into a stream: headers, a snapshot, then every broadcast until it closes. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.#clients.size >= this.#options.maxClients) {
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "5" });
      res.end(`Too many dashboard clients (at most ${this.#options.maxClients})\n`);
      return;
    }
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
    res.on("drain", () => {
      if (!this.#behind.has(res)) return;
      this.#behind.delete(res);
      res.write(frame("snapshot", this.#options.snapshot()));
    });
    res.write(`retry: 2000\n${frame("snapshot", this.#options.snapshot())}`);
  }

  /** Sends one event to every client that keeps up. */
  broadcast(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = frame(event, data);
    for (const res of this.#clients) {
      if (this.#behind.has(res)) continue;
      if (res.writableLength > MAX_BUFFERED_BYTES) this.#behind.add(res);
      else res.write(text);
    }
  }

  /** Ends every stream and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
