/**
 * The event services of the server: the state compositor for PUBLISH (RFC 3903) and the notifier
 * for SUBSCRIBE (RFC 6665), with the NOTIFY client transactions they share. Responses to our
 * NOTIFYs come back through `onResponse`; every other response is no business of ours.
 */
import type { Config } from '../config/schema.js';
import type { SipRequest } from '../sip/message.js';
import type { Clock } from '../util/clock.js';
import { NotifyClient } from './notify-client.js';
import { PublicationStore } from './publications.js';
import { readResponse } from './response-match.js';
import { SubscriptionStore } from './subscriptions.js';

export interface EventServiceDeps {
  readonly clock: Clock;
  readonly config: () => Readonly<Config>;
  /**
   * The To tag our response to this request, from the address `source`, carries (the local tag of
   * a subscription's dialog).
   */
  readonly toTag: (req: SipRequest, source: string) => string;
}

export class EventService {
  readonly notifyClient: NotifyClient;
  readonly publications: PublicationStore;
  readonly subscriptions: SubscriptionStore;

  constructor(readonly deps: EventServiceDeps) {
    const limits = () => deps.config().events;
    this.notifyClient = new NotifyClient(deps.clock, () => {
      const t = deps.config().transactions;
      return { t1: t.t1Ms, t2: t.t2Ms, t4: t.t4Ms };
    });
    this.publications = new PublicationStore(deps.clock, limits);
    this.subscriptions = new SubscriptionStore(deps.clock, limits, this.notifyClient, (aor, pkg) => this.publications.current(aor, pkg));
  }

  /**
   * A response that reached us: true when it answered one of our NOTIFYs (matched, as §17.1.3
   * asks, by the branch of its top Via and the method of its CSeq), which then ends that NOTIFY's
   * retransmissions; false for any other, which the caller drops (§18.2.1).
   */
  onResponse(data: Buffer): boolean {
    const r = readResponse(data);
    if (r === undefined || r.cseqMethod !== 'NOTIFY') return false;
    return this.notifyClient.onResponse(r.branch, r.status);
  }

  close(): void {
    this.subscriptions.close();
    this.publications.close();
    this.notifyClient.close();
  }
}
