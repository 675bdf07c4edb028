/**
 * Fair sharing among tenants: a batch may say whom it is for (`tenant`), with what share
 * (`weight`) and how urgent it is (`class`). The first such batch swaps the default queue for a
 * {@link FairQueue}, unless the executor was given a queue of its own.
 */
import type { QueueDiscipline } from "../../queue.js";
import type { Feature, FeatureBatch, FeatureCall, FeatureHost } from "../feature.js";
import { FairQueue, type FairEntry, type FairnessOptions, type TenantStats } from "./fair-queue.js";

/**
 * The fairness feature. `ownQueue` is the executor's `queue` option: when set, it decides alone
 * (and its tenants are reported if it is a fair queue).
 */
export function fairness<C extends FeatureCall & FairEntry>(
  ownQueue: QueueDiscipline | undefined,
): (host: FeatureHost<C>) => Feature<C> {
  return (host) => {
    let fair: { tenants(): TenantStats } | undefined =
      ownQueue instanceof FairQueue ? ownQueue : undefined;
    let swapped = ownQueue !== undefined;
    return {
      name: "fairness",
      batch(batch: FeatureBatch, options: FairnessOptions): void {
        if (
          options.tenant === undefined &&
          options.weight === undefined &&
          options.class === undefined
        )
          return;
        batch.tenant = options.tenant;
        batch.weight = options.weight;
        batch.priorityClass = options.class;
        if (swapped) return;
        swapped = true;
        const queue = new FairQueue<C>();
        fair = queue;
        host.useQueue(queue);
      },
      stats: () => (fair === undefined ? {} : { tenants: fair.tenants() }),
    };
  };
}
