/**
 * Address-in-network tests for the ACL and custom rules. Addresses are compared as 128-bit
 * numbers; an IPv4 address is held as its IPv4-mapped IPv6 form (RFC 4291 §2.5.5.2), so a
 * dual-stack socket's "::ffff:192.0.2.1" and a plain "192.0.2.1" fall in the same "192.0.2.0/24".
 * Parsing is by hand over the string (no regular expressions on addresses from the network).
 */
import { isIP } from 'node:net';

/** A network: the first address (host bits cleared) and the prefix length, both in IPv6 terms. */
export interface Network {
  readonly base: bigint;
  readonly bits: number;
}

const MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

function ipv4ToBigint(addr: string): bigint | undefined {
  const parts = addr.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (p === '' || p.length > 3) return undefined;
    const v = Number(p);
    if (!Number.isInteger(v) || v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

/** An IPv4 or IPv6 address (no brackets, no zone) as a 128-bit number; undefined if not one. */
export function addressToBigint(address: string): bigint | undefined {
  const pct = address.indexOf('%'); // a zone index (fe80::1%eth0) does not change the address
  const addr = pct === -1 ? address : address.slice(0, pct);
  const family = isIP(addr);
  if (family === 4) {
    const v4 = ipv4ToBigint(addr);
    return v4 === undefined ? undefined : MAPPED | v4;
  }
  if (family !== 6) return undefined;
  let head = addr;
  let tail = 0n;
  let tailGroups = 0;
  // A dotted IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = addr.lastIndexOf(':');
  if (addr.indexOf('.', lastColon) !== -1) {
    const v4 = ipv4ToBigint(addr.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    head = addr.slice(0, lastColon + 1) + '0';
    tail = v4;
    tailGroups = 2;
  }
  const dbl = head.indexOf('::');
  const left = dbl === -1 ? head.split(':') : head.slice(0, dbl).split(':').filter((g) => g !== '');
  const right = dbl === -1 ? [] : head.slice(dbl + 2).split(':').filter((g) => g !== '');
  if (tailGroups > 0) (right.length > 0 ? right : left).pop(); // the '0' placeholder
  const groups = [...left, ...new Array<string>(8 - tailGroups - left.length - right.length).fill('0'), ...right];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  return (n << BigInt(32 * (tailGroups / 2))) | tail;
}

/** "10.0.0.0/8", "2001:db8::/32" or a bare address; undefined when malformed. */
export function parseCidr(text: string): Network | undefined {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const n = addressToBigint(addr);
  if (n === undefined) return undefined;
  const v4 = isIP(addr) === 4;
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (b === '' || b.length > 3 || [...b].some((c) => c < '0' || c > '9')) return undefined;
    bits = Number(b);
    if (bits > max) return undefined;
  }
  const bits128 = v4 ? bits + 96 : bits;
  const mask = bits128 === 0 ? 0n : (ALL << BigInt(128 - bits128)) & ALL;
  return { base: n & mask, bits: bits128 };
}

export function inNetwork(address: bigint, net: Network): boolean {
  const mask = net.bits === 0 ? 0n : (ALL << BigInt(128 - net.bits)) & ALL;
  return (address & mask) === net.base;
}

/**
 * A matcher over a list of networks, parsed once. Entries that do not parse are ignored (the config
 * schema refuses them before they get here).
 */
export function networkMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const nets = cidrs.map(parseCidr).filter((n): n is Network => n !== undefined);
  // The common case is no list at all: skip converting every source address to a BigInt.
  if (nets.length === 0) return () => false;
  return (address) => {
    const a = addressToBigint(address);
    return a !== undefined && nets.some((n) => inNetwork(a, n));
  };
}
