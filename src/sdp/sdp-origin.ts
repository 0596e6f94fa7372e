/**
 * The o= line of the SDPs we send in a dialog. RFC 3264 §8: in a new SDP "the "o=" line … MUST be
 * identical to that in the previous SDP, except that the version in the origin field MUST
 * increment by one from the previous SDP. If the version in the origin line does not increment,
 * the SDP MUST be identical to the SDP with that version number." So a dialog keeps one session
 * id, and the version moves only when the rest of the description changes.
 */
import { randomInt } from 'node:crypto';

/** RFC 4566 §5.2: the method of <sess-id> allocation is up to the creator; a random one is unique enough. */
export function newSessionId(): number {
  return randomInt(1, 2 ** 47);
}

/** Version of the next SDP: the same when `session` repeats the previous one, else one more. */
export function nextVersion(previous: { readonly version: number; readonly session: string } | undefined, session: string): number {
  if (previous === undefined) return 1;
  return previous.session === session ? previous.version : previous.version + 1;
}

/**
 * `session` is a whole SDP without its o= line (v= first); the o= line goes second (RFC 4566 §5:
 * v=, o=, s= in that order).
 */
export function withOrigin(session: string, address: string, sessionId: number, version: number): string {
  const ipVer = address.includes(':') ? 'IP6' : 'IP4';
  const firstEnd = session.indexOf('\r\n') + 2;
  return `${session.slice(0, firstEnd)}o=sip4xx ${sessionId} ${version} IN ${ipVer} ${address}\r\n${session.slice(firstEnd)}`;
}
