/**
 * The entries of a Map, oldest first, for the bounded tables' eviction and expiry. Why not the Map's
 * own insertion order: finding a Map's first live entry walks past every entry deleted before it
 * (up to half the table between V8's rehashes), and a full table asks for it on every new request —
 * measured, 24–73 µs per request under a flood instead of 12–18.
 *
 * The queue is not told when an entry leaves the Map: an item is current while the Map still holds
 * it under its key, and items that are not are skipped when reached, or dropped when the queue is
 * rebuilt (once they outnumber the current ones), so it keeps nothing dead for long. Several queues
 * can share one Map (each holding the items it was given).
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  constructor(
    private readonly map: ReadonlyMap<string, T>,
    private readonly keyOf: (item: T) => string,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Add an item just put in the map. Amortised O(1). */
  push(item: T): void {
    this.items.push(item);
    if (this.length > 2 * this.map.size + 1024) {
      // Rebuilt from its own items, not from the map: several queues may share one map.
      const live: T[] = [];
      for (let i = this.head; i < this.items.length; i++) {
        const it = this.items[i] as T;
        if (this.map.get(this.keyOf(it)) === it) live.push(it);
      }
      this.items = live;
      this.head = 0;
    }
  }

  /** The oldest item the map still holds; those before it (gone, or replaced) are discarded. */
  oldest(): T | undefined {
    for (let item = this.items[this.head]; item !== undefined; item = this.items[this.head]) {
      if (this.map.get(this.keyOf(item)) === item) return item;
      this.shift();
    }
    return undefined;
  }

  /** Drop the item at the front (after `oldest()` returned it). */
  shift(): void {
    this.items[this.head++] = undefined;
    // Compact once the consumed prefix is most of the array: amortised O(1) per item.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
