import { describe, expect, it } from 'vitest';
import { PublicationStore } from '../../../src/events/publications.js';
import { FakeClock } from '../transaction/fake-clock.js';

const PIDF = { type: 'application/pidf+xml', body: Buffer.from('<presence/>') };
const OTHER = { type: 'application/pidf+xml', body: Buffer.from('<presence>2</presence>') };

function store(limits = { maxPublications: 10, maxBytes: 100000 }) {
  const clock = new FakeClock();
  return { clock, esc: new PublicationStore(clock, () => limits) };
}

function etagOf(o: ReturnType<PublicationStore['initial']>): string {
  if (o.kind !== 'ok') throw new Error(`expected ok, got ${o.kind}`);
  return o.etag;
}

describe('PublicationStore (RFC 3903 §6)', () => {
  it('stores an initial publication under a new entity-tag until it expires (steps 3, 6)', () => {
    const { clock, esc } = store();
    const etag = etagOf(esc.initial('alice', 'presence', PIDF, 60));
    expect(etag).toMatch(/^[0-9a-z]+\.[0-9a-f]{16}$/);
    expect(esc.current('alice', 'presence')).toBe(PIDF);
    expect(esc.current('alice', 'dialog')).toBeUndefined();
    clock.tick(59_999);
    expect(esc.size).toBe(1);
    clock.tick(1);
    expect(esc.size).toBe(0);
    expect(esc.current('alice', 'presence')).toBeUndefined();
    expect(esc.heldBytes).toBe(0);
  });

  it('refreshes under a new entity-tag, and the old one no longer matches (step 6)', () => {
    const { clock, esc } = store();
    const first = etagOf(esc.initial('alice', 'presence', PIDF, 60));
    clock.tick(50_000);
    const second = etagOf(esc.update(first, 'alice', 'presence', undefined, 60));
    expect(second).not.toBe(first);
    expect(esc.update(first, 'alice', 'presence', undefined, 60)).toEqual({ kind: 'no-match' });
    clock.tick(59_999); // 109.999 s after the start: alive thanks to the refresh
    expect(esc.current('alice', 'presence')).toBe(PIDF);
    clock.tick(1);
    expect(esc.size).toBe(0);
  });

  it('modifies the state with a body, keeping one entry (Table 1: Modify)', () => {
    const { esc } = store();
    const first = etagOf(esc.initial('alice', 'presence', PIDF, 60));
    etagOf(esc.update(first, 'alice', 'presence', OTHER, 60));
    expect(esc.size).toBe(1);
    expect(esc.current('alice', 'presence')).toBe(OTHER);
  });

  it('removes the state on Expires 0 and answers with the entity-tag it removed (Table 1: Remove)', () => {
    const { clock, esc } = store();
    const etag = etagOf(esc.initial('alice', 'presence', PIDF, 60));
    expect(esc.update(etag, 'alice', 'presence', undefined, 0)).toEqual({ kind: 'ok', etag });
    expect(esc.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('stores nothing for an initial publication with Expires 0 ("MUST NOT store any event state")', () => {
    const { esc } = store();
    etagOf(esc.initial('alice', 'presence', PIDF, 0));
    expect(esc.size).toBe(0);
  });

  it.each([
    ['an unknown entity-tag', 'nope', 'alice', 'presence'],
    ['another resource', undefined, 'bob', 'presence'],
    ['another package', undefined, 'alice', 'dialog'],
  ])('finds no match for %s (step 3: 412)', (_what, tag, aor, pkg) => {
    const { esc } = store();
    const etag = etagOf(esc.initial('alice', 'presence', PIDF, 60));
    expect(esc.update(tag ?? etag, aor, pkg, undefined, 60)).toEqual({ kind: 'no-match' });
    expect(esc.size).toBe(1);
  });

  it('is bounded by count and by bytes, and a refused update changes nothing', () => {
    const { esc } = store({ maxPublications: 2, maxBytes: 100000 });
    etagOf(esc.initial('alice', 'presence', PIDF, 60));
    etagOf(esc.initial('bob', 'presence', PIDF, 60));
    expect(esc.initial('carol', 'presence', PIDF, 60)).toEqual({ kind: 'full' });

    const small = store({ maxPublications: 10, maxBytes: 64 + 5 + 8 + PIDF.body.length });
    const etag = etagOf(small.esc.initial('alice', 'presence', PIDF, 60));
    expect(small.esc.heldBytes).toBe(64 + 5 + 8 + PIDF.body.length);
    expect(small.esc.initial('alice', 'presence', PIDF, 60)).toEqual({ kind: 'full' });
    expect(small.esc.update(etag, 'alice', 'presence', OTHER, 60)).toEqual({ kind: 'full' });
    expect(small.esc.current('alice', 'presence')).toBe(PIDF);
    // A refresh keeps the same body, so it fits where it was.
    etagOf(small.esc.update(etag, 'alice', 'presence', undefined, 60));
  });

  it('close() clears every entry and its timer', () => {
    const { clock, esc } = store();
    etagOf(esc.initial('alice', 'presence', PIDF, 60));
    esc.close();
    expect(esc.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
