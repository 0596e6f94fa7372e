/**
 * A stub's `match`, compiled once per stub object (never per request): every condition given must
 * hold. Regular expressions and networks are built here; requests only run them.
 */
import { networkMatcher } from '../net/cidr.js';
import { unescape } from '../sip/charset.js';
import { canonicalHeaderName } from '../sip/header-names.js';
import type { SipRequest } from '../sip/message.js';
import type { Flow } from '../transport/flow.js';
import type { StubMatch } from './stub-schema.js';

export type Matcher = (req: SipRequest, flow: Flow) => boolean;

/**
 * Patterns run on text from the network. JavaScript's regex engine backtracks, so a careless
 * pattern such as (a+)+$ is slow on a long crafted value; matching only the first 1 KiB of a
 * header, user or host (8 KiB of a body) bounds that cost per request.
 */
const MAX_MATCH_CHARS = 1024;
const MAX_BODY_MATCH_BYTES = 8192;

function bounded(text: string): string {
  return text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
}

type TextMatch = NonNullable<StubMatch['user']>;

function textTest(m: TextMatch): (text: string) => boolean {
  if (typeof m !== 'string' && 'equals' in m) {
    const want = m.equals;
    return (t) => t === want;
  }
  const re = new RegExp(typeof m === 'string' ? m : m.regex);
  return (t) => re.test(bounded(t));
}

/** A user part as it compares: unescaped (§19.1.4, "%34%38%36" is "486"); none: no match. */
function userTest(m: TextMatch, user: (req: SipRequest) => string | undefined): Matcher {
  const test = textTest(m);
  return (req) => {
    const u = user(req);
    return u !== undefined && test(unescape(u));
  };
}

export function compileMatch(m: StubMatch): Matcher {
  const all: Matcher[] = [];
  if (m.method !== undefined) {
    // §7.1: method names are case-sensitive.
    const methods: readonly string[] = typeof m.method === 'string' ? [m.method] : m.method;
    all.push((req) => methods.includes(req.method));
  }
  if (m.user !== undefined) all.push(userTest(m.user, (req) => req.uri.user));
  if (m.toUser !== undefined) all.push(userTest(m.toUser, (req) => req.to.uri.user));
  if (m.fromUser !== undefined) all.push(userTest(m.fromUser, (req) => req.from.uri.user));
  if (m.domain !== undefined) {
    const test = textTest(m.domain);
    // §19.1.4: hosts compare case-insensitively; an IPv6 reference is matched without brackets.
    all.push((req) => test(req.uri.host.replace(/^\[|\]$/g, '').toLowerCase()));
  }
  if (m.header !== undefined) {
    const name = canonicalHeaderName(m.header.name); // §7.3.1 case-insensitive, §7.3.3 compact forms
    const re = m.header.regex === undefined ? undefined : new RegExp(m.header.regex);
    const present = m.header.present ?? true;
    all.push((req) => {
      const values = req.headers.filter((h) => h.name === name);
      if (!present) return values.length === 0;
      return values.length > 0 && (re === undefined || values.some((h) => re.test(bounded(h.value))));
    });
  }
  for (const [header, pattern] of Object.entries(m.headers ?? {})) {
    const name = canonicalHeaderName(header);
    const re = new RegExp(pattern);
    all.push((req) => req.headers.some((h) => h.name === name && re.test(bounded(h.value))));
  }
  if (m.callId !== undefined) {
    const re = new RegExp(m.callId);
    all.push((req) => re.test(bounded(req.callId)));
  }
  if (m.body !== undefined) {
    const re = new RegExp(m.body);
    all.push((req) => re.test(req.body.toString('utf8', 0, Math.min(req.body.length, MAX_BODY_MATCH_BYTES))));
  }
  if (m.transport !== undefined) {
    const transport = m.transport;
    all.push((_req, flow) => flow.transport === transport);
  }
  if (m.source !== undefined) {
    const inSource = networkMatcher(typeof m.source === 'string' ? [m.source] : m.source);
    all.push((_req, flow) => inSource(flow.remote.address));
  }
  return (req, flow) => all.every((p) => p(req, flow));
}
