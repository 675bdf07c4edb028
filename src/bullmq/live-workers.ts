import type { WorkerAnnouncement } from "./protocol.js";

interface Seen {
  readonly announcement: WorkerAnnouncement;
  /** When it counts as gone unless it announces itself again (epoch ms). */
  readonly until: number;
}

/** The workers a caller has heard from lately, and the tools they run. */
export class LiveWorkers {
  readonly #seen = new Map<string, Seen>();
  /** Every tool some worker announced, live or not. */
  readonly #known = new Set<string>();

  /** Records an announcement (a start, an answer to hello, a heartbeat). */
  seen(announcement: WorkerAnnouncement, now: number): void {
    this.#seen.set(announcement.id, { announcement, until: now + announcement.ttlMs });
    for (const tool of announcement.tools) this.#known.add(tool);
  }

  /** Whether some worker ever announced `tool`: its workers may only be late with a heartbeat. */
  known(tool: string): boolean {
    return this.#known.has(tool);
  }

  /** Forgets a worker that said it stopped. */
  gone(id: string): void {
    this.#seen.delete(id);
  }

  /** The workers alive at `now`. */
  live(now: number): WorkerAnnouncement[] {
    const live: WorkerAnnouncement[] = [];
    for (const [id, seen] of this.#seen) {
      if (seen.until < now) this.#seen.delete(id);
      else live.push(seen.announcement);
    }
    return live;
  }

  /** Whether some live worker runs `tool`. Asked once per attempt: it allocates nothing. */
  runs(tool: string, now: number): boolean {
    for (const seen of this.#seen.values()) {
      if (seen.until >= now && seen.announcement.tools.includes(tool)) return true;
    }
    return false;
  }
}
