import { describe, expect, it } from 'vitest';
import { AgeList } from '../../../src/util/age-list.js';

interface Item {
  readonly name: string;
  older: Item | undefined;
  newer: Item | undefined;
}
const item = (name: string): Item => ({ name, older: undefined, newer: undefined });

function names(list: AgeList<Item>): string[] {
  const out: string[] = [];
  for (let e = list.oldest; e !== undefined; e = e.newer) out.push(e.name);
  return out;
}

describe('age list (oldest first, linked through the entries)', () => {
  it('keeps entries in the order added and takes them out from anywhere', () => {
    const list = new AgeList<Item>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item];
    for (const e of [a, b, c, d]) list.push(e);
    list.remove(b);
    list.remove(d);
    expect(names(list)).toEqual(['a', 'c']);
    expect(list.newest).toBe(c);
    list.remove(a);
    expect(list.oldest).toBe(c);
    expect(list.size).toBe(1);
    expect(b.older).toBeUndefined();
    expect(b.newer).toBeUndefined();
  });

  it('ignores removing an entry that is not in it', () => {
    const list = new AgeList<Item>();
    list.push(item('a'));
    list.remove(item('stranger'));
    expect(names(list)).toEqual(['a']);
    expect(list.size).toBe(1);
  });

  it('unlinks every entry on clear, so none keeps another alive', () => {
    const list = new AgeList<Item>();
    const all = ['a', 'b', 'c'].map(item);
    for (const e of all) list.push(e);
    list.clear();
    expect(list.size).toBe(0);
    expect(list.oldest).toBeUndefined();
    expect(all.every((e) => e.older === undefined && e.newer === undefined)).toBe(true);
  });
});
