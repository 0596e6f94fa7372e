/**
 * A transaction store on a fake clock, with transactions made the way the transaction user makes
 * them: shared by the store's tests (count and byte bounds).
 */
import { InviteServerTransaction } from '../../../src/transaction/invite-server.js';
import { NonInviteServerTransaction } from '../../../src/transaction/non-invite-server.js';
import { HashedTransactionStore } from '../../../src/transaction/transaction-store.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from './fake-clock.js';

/** Where the transaction's responses go (§18.2.2, computed by the transaction user). */
export const PEER = { address: '192.0.2.7', port: 5070 };

export type Tx = NonInviteServerTransaction<object> | InviteServerTransaction<object>;

/** A store of at most `max` transactions and `maxBytes` bytes; `ended` lists each end and why. */
export function storeSetup(max: number, maxBytes?: number) {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const store = new HashedTransactionStore<Tx>(deadlines, max, maxBytes);
  const ended: string[] = [];
  const env = {
    timers: { t1: 500, t2: 4000, t4: 5000 },
    deadlines,
    onTerminated: (k: string, why: string) => {
      ended.push(`${k}: ${why}`);
      store.delete(k);
    },
  };
  const send = () => undefined;
  const make = (key: string): Tx => new NonInviteServerTransaction(env, key, false, send, PEER, {});
  const invite = (key: string): InviteServerTransaction<object> => new InviteServerTransaction(env, key, false, send, PEER, {});
  return { clock, deadlines, store, ended, make, invite };
}
