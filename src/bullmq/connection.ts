/**
 * Where the queues live: a Redis server (`redis://`, `rediss://` for TLS) or a Postgres database
 * (`postgres://`, BullMQ's Postgres backend), given as a URL or as ioredis options. A URL's
 * password is never printed: every message names the connection by {@link redactUrl}.
 */
import type { ConnectionOptions } from "bullmq";
import { describeValue } from "../core/describe-value.js";
import { requirePeer } from "../core/optional-peer.js";

/** A Redis or Postgres URL, or ioredis options (or an ioredis client) for Redis. */
export type BullmqConnection = string | ConnectionOptions;

/** What the BullMQ classes of one caller or worker are made with. */
export interface ResolvedConnection {
  readonly kind: "redis" | "postgres";
  /** The connection for `new Queue(name, { connection })` and the other classes. */
  readonly connection: ConnectionOptions;
  /** BullMQ's Postgres backend factory, for Postgres. */
  readonly backendFactory: unknown;
  /** How messages name the connection: the URL without its password. */
  readonly label: string;
  /** Closes what was opened here (the shared Redis client). */
  close(): Promise<void>;
}

/** The module of BullMQ's Postgres backend: the package maps no subpath to it. */
const POSTGRES_BACKEND = "bullmq/dist/cjs/postgres/index.js";

/** A URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    // Not a URL we can read: say nothing of it that could hold a secret.
    return "(a connection string that is not a URL)";
  }
}

/** Replaces `secret` wherever it occurs in `text`, for messages that quote a library's error. */
export function redactText(text: string, connection: BullmqConnection): string {
  const secret = passwordOf(connection);
  return secret === undefined || secret === "" ? text : text.split(secret).join("***");
}

function passwordOf(connection: BullmqConnection): string | undefined {
  if (typeof connection === "string") {
    try {
      const password = new URL(connection).password;
      return password === "" ? undefined : decodeURIComponent(password);
    } catch {
      return undefined;
    }
  }
  const password = (connection as { password?: unknown; options?: { password?: unknown } })
    .password;
  return typeof password === "string" ? password : undefined;
}

/**
 * Resolves `connection` for BullMQ. A Redis URL becomes one shared ioredis client (BullMQ
 * duplicates it for the blocking connections of workers and event readers); `maxRetriesPerRequest`
 * is set to `null`, as BullMQ's workers require.
 * @param where names the option in messages: `bullmqBackend()`, `startWorker()`
 */
export function resolveConnection(connection: unknown, where: string): ResolvedConnection {
  if (typeof connection === "string") {
    const scheme = /^([a-z]+):\/\//i.exec(connection)?.[1]?.toLowerCase();
    if (scheme === "redis" || scheme === "rediss") return redisFromUrl(connection, where);
    if (scheme === "postgres" || scheme === "postgresql") {
      const { createPostgresBackend } = requirePeer<{ createPostgresBackend: unknown }>(
        POSTGRES_BACKEND,
        `${where} on Postgres`,
        "bullmq pg",
      );
      requirePeer("pg", `${where} on Postgres`);
      return {
        kind: "postgres",
        // BullMQ's schema is made (or brought up to date) on connect, under an advisory lock.
        connection: { connectionString: connection, migrate: true } as unknown as ConnectionOptions,
        backendFactory: createPostgresBackend,
        label: redactUrl(connection),
        close: () => Promise.resolve(),
      };
    }
    throw new TypeError(
      `Expected ${where}'s connection to be a redis://, rediss:// or postgres:// URL, or ioredis options, got ${scheme === undefined ? "a string that is not a URL" : `a ${scheme}:// URL`}`,
    );
  }
  if (typeof connection !== "object" || connection === null) {
    throw new TypeError(
      `Expected ${where}'s connection to be a redis://, rediss:// or postgres:// URL, or ioredis options, got ${describeValue(connection)}`,
    );
  }
  requirePeer("bullmq", where);
  const options = connection as Record<string, unknown>;
  const isClient = typeof (options as { duplicate?: unknown }).duplicate === "function";
  const host = isClient
    ? "an ioredis client"
    : `redis://${typeof options["host"] === "string" ? options["host"] : "localhost"}:${typeof options["port"] === "number" ? options["port"] : 6379}`;
  return {
    kind: "redis",
    connection: isClient
      ? (connection as ConnectionOptions)
      : ({ ...options, maxRetriesPerRequest: null } as ConnectionOptions),
    backendFactory: undefined,
    label: host,
    close: () => Promise.resolve(),
  };
}

interface RedisClient {
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

function redisFromUrl(url: string, where: string): ResolvedConnection {
  requirePeer("bullmq", where);
  const { Redis } = requirePeer<{
    Redis: new (url: string, options: Record<string, unknown>) => RedisClient;
  }>("ioredis", where);
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  // Connection errors reach the BullMQ classes that use the client; unhandled here, ioredis
  // would print each one (with the host, never the password) on the console.
  client.on("error", () => {});
  return {
    kind: "redis",
    connection: client as unknown as ConnectionOptions,
    backendFactory: undefined,
    label: redactUrl(url),
    close: async () => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
