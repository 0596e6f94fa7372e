/**
 * What a load run is asked to do and what it reports (bench/README.md, "The generator"), and the
 * checks that keep it on loopback and inside its bounds.
 */
import type { LatencySummary } from './latency.js';
import type { LoadMethod } from './sip-template.js';

export type { LoadMethod } from './sip-template.js';

export interface LoadOptions {
  /** Loopback only: 127.0.0.0/8, ::1 or localhost. */
  readonly host: string;
  readonly port: number;
  readonly method: LoadMethod;
  /** e.g. `sip:486@127.0.0.1`. */
  readonly requestUri: string;
  /** Requests to send at most. */
  readonly count: number;
  /** Target requests/s; 0 or absent: as fast as the window allows (closed loop). */
  readonly rate?: number;
  /** Outstanding requests (sent, no final response, not yet timed out) at most. */
  readonly window: number;
  /** A request without a final response after this long is lost. */
  readonly timeoutMs: number;
  /** No new request is sent after this long; the run then waits at most `timeoutMs` for answers. */
  readonly durationLimitMs: number;
  /** UDP sockets (source ports) used round-robin; default 1. */
  readonly socketsCount?: number;
  /** `connect()` the sockets to the target (faster sends; a reply from another address is dropped). Default true. */
  readonly connect?: boolean;
}

export interface LoadResult {
  readonly method: LoadMethod;
  readonly requestUri: string;
  readonly target: string;
  /** The `rate` asked for; 0 means closed loop (window-limited). */
  readonly offeredRate: number;
  readonly window: number;
  readonly socketsCount: number;
  readonly sent: number;
  /** Requests that got a final (≥ 200) response within `timeoutMs`. */
  readonly answered: number;
  /** Requests with no final response within `timeoutMs`. */
  readonly lost: number;
  /** Final responses that arrived after their request had been counted lost. */
  readonly late: number;
  /** Further copies of a final response already counted (server retransmissions). */
  readonly duplicateFinals: number;
  /** 1xx responses received (all copies). */
  readonly provisional: number;
  /** Responses that match no request of this run, or are not SIP responses. */
  readonly stray: number;
  /** ACKs sent (INVITE only; one per final non-2xx, retransmissions included). */
  readonly acksSent: number;
  /** Requests retransmitted: always 0, the generator never retransmits. */
  readonly retransmissions: 0;
  /** Socket errors (e.g. ECONNREFUSED when nothing listens). */
  readonly socketErrors: number;
  /** First send to last final response, ms. */
  readonly durationMs: number;
  /** First send to last send, ms. */
  readonly sendDurationMs: number;
  /** answered / durationMs, per second. */
  readonly rps: number;
  /** sent / sendDurationMs, per second: what was actually offered. */
  readonly sendRate: number;
  /** Send → first final response, ms. */
  readonly latencyMs: LatencySummary;
  /** Send → first 1xx, ms (count 0 if none came). */
  readonly provisionalLatencyMs: LatencySummary;
  /** Final status code → count (first copy of each final only). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly stoppedBy: 'count' | 'duration' | 'guard';
}

/** Whether `host` is a loopback address or name; the generator refuses anything else. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Refuses options outside the generator's bounds, or a target off loopback. */
export function validate(o: LoadOptions): void {
  if (!isLoopback(o.host)) throw new Error(`refusing non-loopback target ${o.host}`);
  if (!Number.isInteger(o.port) || o.port <= 0 || o.port > 65535) throw new Error(`bad port ${o.port}`);
  if (!Number.isInteger(o.count) || o.count <= 0 || o.count > 50_000_000) throw new Error(`bad count ${o.count}`);
  if (!Number.isInteger(o.window) || o.window <= 0 || o.window > 100_000) throw new Error(`bad window ${o.window}`);
  if (!(o.timeoutMs > 0 && o.timeoutMs <= 60_000)) throw new Error(`bad timeoutMs ${o.timeoutMs}`);
  if (!(o.durationLimitMs > 0 && o.durationLimitMs <= 600_000)) {
    throw new Error(`bad durationLimitMs ${o.durationLimitMs}`);
  }
  if (o.rate !== undefined && !(o.rate >= 0 && o.rate <= 10_000_000)) throw new Error(`bad rate ${o.rate}`);
  const s = o.socketsCount ?? 1;
  if (!Number.isInteger(s) || s < 1 || s > 64) throw new Error(`bad socketsCount ${s}`);
}
