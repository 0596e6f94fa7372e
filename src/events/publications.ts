/**
 * The event state compositor's store (RFC 3903 §6): one entry per entity-tag, holding the state a
 * PUBLISH delivered for an address-of-record and event package until it expires, is refreshed,
 * modified or removed. Bounded by count and by the bytes of the bodies it keeps; expiry runs on the
 * injected clock.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { EventBody } from './packages.js';

export interface PublicationLimits {
  readonly maxPublications: number;
  readonly maxBytes: number;
}

interface Publication {
  readonly aor: string;
  readonly pkg: string;
  state: EventBody;
  timer: TimerHandle;
  /** Bytes charged against maxBytes: the body and the strings that key it. */
  bytes: number;
}

export type PublishOutcome =
  | { readonly kind: 'ok'; readonly etag: string }
  /** §6 step 3: "If no match is found, the ESC MUST reject the publication with … 412". */
  | { readonly kind: 'no-match' }
  | { readonly kind: 'full' };

/** Fixed cost of an entry besides its body and names (the entity-tag, timer, map slot). */
const ENTRY_OVERHEAD = 64;

export class PublicationStore {
  private readonly byTag = new Map<string, Publication>();
  private bytes = 0;
  private issued = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: () => PublicationLimits,
  ) {}

  get size(): number {
    return this.byTag.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** An initial publication (§6 step 3: no SIP-If-Match): a new entity-tag for the state. */
  initial(aor: string, pkg: string, state: EventBody, expires: number): PublishOutcome {
    // "If the chosen expiration interval has a special value of "0" … The ESC MUST NOT store any
    // event state as a result of such a request" — the answer still names an entity-tag (step 6).
    if (expires === 0) return { kind: 'ok', etag: this.newTag() };
    const cost = ENTRY_OVERHEAD + aor.length + pkg.length + state.body.length;
    if (!this.fits(cost, 0)) return { kind: 'full' };
    const etag = this.newTag();
    this.byTag.set(etag, { aor, pkg, state, bytes: cost, timer: this.expireLater(etag, expires) });
    this.bytes += cost;
    return { kind: 'ok', etag };
  }

  /**
   * A refresh (no body), modify (a body) or remove (expires 0) of the state under `etag` (§6
   * steps 3–6). The entity-tag matches only state of the same resource and package ("matches that
   * entity-tag against all locally stored entity-tags for this resource and event package").
   */
  update(etag: string, aor: string, pkg: string, state: EventBody | undefined, expires: number): PublishOutcome {
    const p = this.byTag.get(etag);
    if (p === undefined || p.aor !== aor || p.pkg !== pkg) return { kind: 'no-match' };
    const cost = state === undefined ? p.bytes : ENTRY_OVERHEAD + aor.length + pkg.length + state.body.length;
    // Atomic (§6): a modification that does not fit changes nothing.
    if (expires > 0 && !this.fits(cost, p.bytes)) return { kind: 'full' };
    this.remove(etag);
    // "the event state identified by the entity-tag MUST be immediately removed"
    if (expires === 0) return { kind: 'ok', etag };
    // Step 6: "The ESC MUST generate a new entity-tag for each successful publication, replacing
    // any previous entity-tag associated with that event state."
    const next = this.newTag();
    this.byTag.set(next, { aor, pkg, state: state ?? p.state, bytes: cost, timer: this.expireLater(next, expires) });
    this.bytes += cost;
    return { kind: 'ok', etag: next };
  }

  /** The most recently published state of a resource for a package, if any is live. */
  current(aor: string, pkg: string): EventBody | undefined {
    let found: EventBody | undefined;
    for (const p of this.byTag.values()) if (p.aor === aor && p.pkg === pkg) found = p.state;
    return found;
  }

  close(): void {
    for (const p of this.byTag.values()) this.clock.clearTimer(p.timer);
    this.byTag.clear();
    this.bytes = 0;
  }

  private fits(cost: number, freed: number): boolean {
    const l = this.limits();
    const count = freed > 0 ? this.byTag.size - 1 : this.byTag.size;
    return count < l.maxPublications && this.bytes - freed + cost <= l.maxBytes;
  }

  private remove(etag: string): void {
    const p = this.byTag.get(etag);
    if (p === undefined) return;
    this.clock.clearTimer(p.timer);
    this.byTag.delete(etag);
    this.bytes -= p.bytes;
  }

  private expireLater(etag: string, seconds: number): TimerHandle {
    return this.clock.setTimer(() => this.remove(etag), seconds * 1000);
  }

  /**
   * Step 6: an entity-tag "MUST be unique from any other entity-tags currently assigned … and MUST
   * be different from any entity-tag assigned previously": a counter makes it unique for this
   * process, 64 random bits make it unguessable and different from any earlier run's.
   */
  private newTag(): string {
    this.issued++;
    return `${this.issued.toString(36)}.${randomBytes(8).toString('hex')}`;
  }
}
