import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PriorityQueue, type QueueEntry } from "../../src/index.js";
import { startsBefore } from "../../src/core/queue.js";

const laneA = { lane: "a" };
const laneB = { lane: "b" };

function entry(
  seq: number,
  priority = 0,
  expectedMs = 0,
  lane: object = laneA,
): QueueEntry & { name: string } {
  return { seq, priority, expectedMs, lane, queueSlot: -1, toolName: "t", name: `e${seq}` };
}

const always = () => true;

describe("PriorityQueue", () => {
  it("pops by priority, then longest expected, then arrival", () => {
    const q = new PriorityQueue();
    const entries = [
      entry(0),
      entry(1, 2),
      entry(2, 0, 500),
      entry(3, 2),
      entry(4, 0, 500),
      entry(5, -1),
    ];
    entries.forEach((e) => q.push(e));
    const order: number[] = [];
    for (let e = q.pop(always); e; e = q.pop(always)) order.push(e.seq);
    expect(order).toEqual([1, 3, 2, 4, 0, 5]);
    expect(q.size).toBe(0);
  });

  it("passes over closed lanes, and removes entries", () => {
    const q = new PriorityQueue();
    const a1 = entry(0, 5, 0, laneA);
    const b1 = entry(1, 0, 0, laneB);
    const b2 = entry(2, 0, 0, laneB);
    [a1, b1, b2].forEach((e) => q.push(e));
    expect(q.pop((lane) => lane !== laneA)).toBe(b1);
    expect(q.remove(b2)).toBe(true);
    expect(q.remove(b2)).toBe(false);
    expect(q.pop((lane) => lane !== laneA)).toBeUndefined();
    expect(q.size).toBe(1);
    expect(q.pop(always)).toBe(a1);
  });

  it("puts an older entry (a retry) back in its arrival place", () => {
    const q = new PriorityQueue();
    const [e0, e1, e2] = [entry(0), entry(1), entry(2)];
    q.push(e1);
    q.push(e2);
    q.push(e0);
    expect([q.pop(always), q.pop(always), q.pop(always)]).toEqual([e0, e1, e2]);
  });

  it("agrees with a sort by startsBefore for any pushes, removals and pops", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("push" as const),
        priority: fc.integer({ min: 0, max: 2 }),
        expectedMs: fc.constantFrom(0, 10),
        laneB: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("pop" as const), closeB: fc.boolean() }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new PriorityQueue();
        const model: QueueEntry[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            const e = entry(seq++, o.priority, o.expectedMs, o.laneB ? laneB : laneA);
            q.push(e);
            model.push(e);
          } else if (o.kind === "remove") {
            if (model.length === 0) continue;
            const e = model.splice(o.pick % model.length, 1)[0]!;
            expect(q.remove(e)).toBe(true);
          } else {
            const open = (lane: object) => !(o.closeB && lane === laneB);
            const candidates = model.filter((e) => open(e.lane));
            const expected = candidates.reduce<QueueEntry | undefined>(
              (best, e) => (best === undefined || startsBefore(e, best) ? e : best),
              undefined,
            );
            expect(q.pop(open)).toBe(expected);
            if (expected) model.splice(model.indexOf(expected), 1);
          }
          expect(q.size).toBe(model.length);
        }
      }),
    );
  });
});
