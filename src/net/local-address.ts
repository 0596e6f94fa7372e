/**
 * Which of our addresses a peer reaches us at, for a Contact it must send further requests to
 * (RFC 3261 §12.1.1, §8.1.1.8: "the URI … MUST be … that the UAS would like to be contacted at").
 *
 * A TCP connection and a UDP socket bound to one address name it (the Flow's local endpoint). A UDP
 * socket bound to a wildcard address (0.0.0.0, ::) does not: Node reports no destination address
 * per datagram. The kernel answers from the interface on the peer's own network when there is one
 * (a directly connected route), so that interface's address is the one the peer can reach; when the
 * peer is on no network of ours (it is behind a router), the first non-internal address of the
 * peer's family is the host's address on its default route in the usual single-homed case. Where
 * neither holds (NAT, containers, several uplinks), `server.advertise` names the address outright.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Endpoint } from '../transport/flow.js';
import { addressToBigint, inNetwork, parseCidr } from './cidr.js';

/** What os.networkInterfaces() returns, by interface name. */
export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

/** The unspecified addresses a socket binds to mean "every interface" (RFC 4291 §2.5.2). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '::ffff:0.0.0.0';
}

/**
 * Our interface address for a peer: the one whose network holds the peer's address, else the first
 * non-internal one of the peer's family, else the first of that family (a host with loopback only);
 * undefined when the host has no address of that family.
 */
export function interfaceAddressFor(remote: Endpoint, table: InterfaceTable): string | undefined {
  const peer = addressToBigint(remote.address);
  let external: string | undefined;
  let any: string | undefined;
  for (const list of Object.values(table)) {
    for (const ni of list ?? []) {
      if (ni.family !== remote.family) continue;
      const net = ni.cidr === null ? undefined : parseCidr(ni.cidr);
      if (peer !== undefined && net !== undefined && inNetwork(peer, net)) return ni.address;
      any ??= ni.address;
      if (!ni.internal) external ??= ni.address;
    }
  }
  return external ?? any;
}

/** Reading the interface table costs a system call per interface; it is read once per process. */
let cached: InterfaceTable | undefined;

function interfaces(): InterfaceTable {
  cached ??= networkInterfaces();
  return cached;
}

/**
 * The address the peer of `local`/`remote` reached us at: the local endpoint's address unless it is
 * a wildcard, then the interface address chosen as above (the wildcard itself when there is none).
 * IPv6 addresses come back without brackets.
 */
export function reachedAddress(local: Endpoint, remote: Endpoint, table: InterfaceTable = interfaces()): string {
  if (!isWildcard(local.address)) return local.address;
  return interfaceAddressFor(remote, table) ?? (remote.family === 'IPv6' ? '::' : '0.0.0.0');
}
