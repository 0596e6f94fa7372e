/**
 * What the primary and its workers say to each other over the node:cluster IPC channel
 * (docs/ARCHITECTURE.md, "Workers"). Plain JSON-able objects, each tagged by `t`.
 */
import type { EntryJson, JournalQuery } from '../journal/query.js';
import type { Snapshot, StateOp } from './shared-state.js';

/** The SIP ports a worker bound: the first worker's, given to every later one (port 0 picks once). */
export interface Ports {
  readonly port: number;
  readonly tls: number | undefined;
  readonly ws: number | undefined;
  readonly wss: number | undefined;
}

/** What the primary asks every worker and merges (the control plane, /metrics). */
export type Query =
  | { readonly kind: 'list'; readonly query: JournalQuery }
  | { readonly kind: 'count'; readonly query: JournalQuery }
  | { readonly kind: 'clear' }
  | { readonly kind: 'metrics' }
  /** Answered at once: every op the worker sent before it has reached the primary (one FIFO channel). */
  | { readonly kind: 'sync' };

export type ToWorker =
  /** The answer to `hello`: who the worker is, the keys every worker shares, and the state now. */
  | { readonly t: 'init'; readonly index: number; readonly nonceSecret: string; readonly tagKey: string; readonly ports: Ports | undefined; readonly snapshot: Snapshot }
  /** Apply a change (in `seq` order) and say `applied`. */
  | { readonly t: 'apply'; readonly seq: number; readonly op: StateOp }
  /** Every worker holds the change the worker sent as `op` `id`. */
  | { readonly t: 'ack'; readonly id: number }
  | { readonly t: 'query'; readonly rid: number; readonly q: Query }
  /** Send (or stop sending) journal events: someone is (no longer) reading /api/events. */
  | { readonly t: 'events'; readonly on: boolean }
  | { readonly t: 'reload' }
  | { readonly t: 'stop' };

export type FromWorker =
  | { readonly t: 'hello' }
  | { readonly t: 'ready'; readonly ports: Ports }
  /** `id` 0: sent on without an acknowledgement (a match count). */
  | { readonly t: 'op'; readonly id: number; readonly op: StateOp }
  | { readonly t: 'applied'; readonly seq: number }
  | { readonly t: 'reply'; readonly rid: number; readonly body: unknown }
  | { readonly t: 'event'; readonly kind: 'request' | 'update'; readonly entry: EntryJson };

/** Our messages carry `t`; node:cluster's own and prom-client's do not. */
export function isMessage<T extends { t: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
