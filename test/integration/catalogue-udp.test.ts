/**
 * The whole 4xx catalogue (RFC 3261 §21.4) through the real UDP socket: for every code, the request(s)
 * that trigger it by the real condition — a header, a body, a user, a network, a transaction —
 * and the exact status, reason phrase and headers the code must carry. `sip:<code>@host` for every
 * code is covered by the shared RULE_CASES (server-udp.test.ts); here it is used only for 402,
 * which no real condition produces (§21.4.3: reserved for future use).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_BY_CODE } from '../helpers/rule-cases.js';
import { buildAck, buildRequest, uniqueCallId, uniqueToken, type RequestSpec } from '../helpers/sip-request.js';
import { digestParams, tagOf, type ParsedResponse } from '../helpers/sip-response.js';
import { startTestServer, type TestServer, type UdpClient } from '../helpers/test-server.js';
import { testConfig, type ConfigOverrides } from '../helpers/config.js';
import { REASON_PHRASES } from '../../src/sip/status.js';

/** Servers by the configuration a row needs; `main` serves most rows. */
const CONFIGS = {
  main: {
    domains: ['example.com'],
    calls: { slowMs: 50, ringMs: 10_000 },
    limits: { maxBodyBytes: 3000, tooLargeRetryAfter: 30, maxRequestUriBytes: 512 },
  },
  required: { sip: { supported: ['path', 'timer', '100rel'], required: ['100rel'] } },
  proxyAuth: { auth: { role: 'proxy' } },
  aclDeny: { acl: { deny: ['127.0.0.0/8'] } },
  aclAllow: { acl: { allow: ['192.0.2.0/24', '2001:db8::/32'] } },
} satisfies Record<string, ConfigOverrides>;
type ServerName = keyof typeof CONFIGS;

const servers = new Map<ServerName, { srv: TestServer; client: UdpClient }>();
beforeAll(async () => {
  for (const name of Object.keys(CONFIGS) as ServerName[]) {
    const srv = await startTestServer({ config: CONFIGS[name] });
    servers.set(name, { srv, client: await srv.udpClient() });
  }
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.srv.close()));
});

const SDP = (...media: string[]): string => ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...media].join('\r\n') + '\r\n';

/** What a row's request runs against: one server, one client socket. */
class Peer {
  constructor(
    readonly srv: TestServer,
    readonly client: UdpClient,
  ) {}

  /** A request from this client (rport, so answers come back here), From a user with no password. */
  request(spec: RequestSpec): Buffer {
    return buildRequest({
      via: `SIP/2.0/UDP 127.0.0.1:${this.client.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      from: `"Tester" <sip:tester@127.0.0.1>;tag=${uniqueToken('t')}`,
      ...spec,
    });
  }

  /** The next response to `request` (same Call-ID and CSeq), skipping provisionals unless asked. */
  async answer(request: Buffer, opts: { provisional?: boolean; timeoutMs?: number } = {}): Promise<ParsedResponse> {
    const text = request.toString('latin1');
    const callId = /\r\nCall-ID: ([^\r]*)/.exec(text)?.[1];
    const cseq = /\r\nCSeq: ([^\r]*)/.exec(text)?.[1];
    for (;;) {
      const r = await this.client.receive(opts.timeoutMs ?? 2000, callId);
      if (r.get('CSeq') !== cseq) continue; // a retransmission for an earlier request of the call
      if (r.status < 200 && !opts.provisional) continue;
      // §17.1.1.3: ACK a non-2xx final answer to an INVITE, so Timer G stops retransmitting it.
      if (r.status >= 300 && text.startsWith('INVITE ')) this.client.send(buildAck(request, r.get('To') ?? ''));
      return r;
    }
  }

  /** Send a request and wait for its final answer. */
  send(spec: RequestSpec): Promise<ParsedResponse> {
    const request = this.request(spec);
    this.client.send(request);
    return this.answer(request);
  }

  get uriHost(): string {
    return `127.0.0.1:${this.srv.port}`;
  }
}

/** A Digest response (RFC 8760 §2.7 / RFC 2617 §3.2.2, qop=auth) computed here, apart from src/auth. */
function authorization(challenge: string, user: string, password: string, method: string, uri: string): string {
  const p = digestParams(challenge);
  const h = (s: string) => createHash(p.algorithm === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const cnonce = randomBytes(4).toString('hex');
  const response = h(`${h(`${user}:${p.realm}:${password}`)}:${p.nonce}:00000001:${cnonce}:auth:${h(`${method}:${uri}`)}`);
  const opaque = p.opaque === undefined ? '' : `, opaque="${p.opaque}"`;
  return `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=${p.algorithm ?? 'MD5'}, qop=auth, nc=00000001, cnonce="${cnonce}"${opaque}`;
}

/** REGISTER for alice, answered 401, then again with credentials made from `password`. */
async function registerWithDigest(peer: Peer, password: string, headers: Record<string, string>): Promise<ParsedResponse> {
  const uri = 'sip:127.0.0.1';
  const callId = uniqueCallId();
  const from = `<sip:alice@127.0.0.1>;tag=${uniqueToken('r')}`;
  const base = { method: 'REGISTER', uri, to: '<sip:alice@127.0.0.1>', from, callId, headers: { Contact: `<sip:alice@127.0.0.1:${peer.client.port}>`, ...headers } };
  const challenged = await peer.send({ ...base, cseq: 1 });
  expect(challenged.status).toBe(401);
  const challenge = challenged.getAll('WWW-Authenticate').find((c) => /algorithm=MD5/i.test(c)) ?? '';
  return peer.send({ ...base, cseq: 2, headers: { ...base.headers, Authorization: authorization(challenge, 'alice', password, 'REGISTER', uri) } });
}

interface Row {
  readonly code: number;
  readonly when: string;
  readonly server?: ServerName;
  /**
   * Rules (besides the content rules of this suite) the row needs in the default pipeline; the row
   * fails, naming the rule, if the default pipeline leaves one out.
   */
  readonly needs?: readonly string[];
  readonly reason?: string;
  /** Exact values (or patterns) of headers the answer must carry, each header once. */
  readonly headers?: Readonly<Record<string, string | RegExp>>;
  run(peer: Peer): Promise<ParsedResponse>;
  check?(res: ParsedResponse, peer: Peer): void;
}

const ROWS: readonly Row[] = [
  // 400 Bad Request (§21.4.1): the reason names the fault.
  { code: 400, when: 'a CSeq method other than the request method (§8.1.1.5)', reason: 'CSeq method does not match request method', run: (p) => p.send({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', cseq: '1 INFO' }) },
  { code: 400, when: 'a SUBSCRIBE without Event (RFC 6665 §8.2.1)', reason: 'Missing Event header field', run: (p) => p.send({ method: 'SUBSCRIBE', uri: 'sip:answer@127.0.0.1' }) },
  { code: 400, when: 'an application/sdp body that is not SDP (RFC 4566 §5)', reason: 'Malformed SDP body (line 1 is not <type>=<value>)', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { 'Content-Type': 'application/sdp' }, body: 'hello' }) },
  { code: 400, when: 'a Session-Expires that is not delta-seconds (RFC 4028 §4)', reason: 'Malformed Session-Expires header field', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { 'Session-Expires': 'soon' } }) },
  // 401 Unauthorized (§21.4.2, §22.2)
  {
    code: 401,
    needs: ['auth'],
    when: 'a REGISTER for a user with a password and no credentials (§22.2, RFC 8760)',
    run: (p) => p.send({ method: 'REGISTER', uri: 'sip:127.0.0.1', to: '<sip:alice@127.0.0.1>', from: `<sip:alice@127.0.0.1>;tag=${uniqueToken('r')}` }),
    check: (res) => expect(res.getAll('WWW-Authenticate').map((c) => digestParams(c).algorithm)).toEqual(['MD5']),
  },
  // 402 Payment Required (§21.4.3): reserved; only the control convention asks for it.
  { code: 402, when: 'asked for by sip:402@host (§21.4.3 reserved)', run: (p) => p.send({ uri: 'sip:402@127.0.0.1' }) },
  // 403 Forbidden (§21.4.4)
  { code: 403, needs: ['user'], when: 'a call to a forbidden user', run: (p) => p.send({ uri: 'sip:forbidden@127.0.0.1' }) },
  { code: 403, needs: ['auth'], when: 'credentials made with the wrong password (§22.4)', run: (p) => registerWithDigest(p, 'wrong', {}) },
  { code: 403, when: 'a source in acl.deny', server: 'aclDeny', reason: 'Source Address Denied', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1' }) },
  { code: 403, when: 'a source outside a non-empty acl.allow', server: 'aclAllow', reason: 'Source Address Not Allowed', run: (p) => p.send({ method: 'MESSAGE', uri: 'sip:answer@127.0.0.1' }) },
  // 404 Not Found (§21.4.5)
  { code: 404, when: 'a user no one configured (§8.2.2.1)', run: (p) => p.send({ uri: 'sip:nobody@127.0.0.1' }) },
  { code: 404, needs: ['domain'], when: 'a Request-URI domain not served (§8.2.2.1)', run: (p) => p.send({ uri: 'sip:answer@elsewhere.invalid' }) },
  { code: 404, needs: ['registrar'], when: 'a REGISTER for a user who may not register (§10.3 step 3)', run: (p) => p.send({ method: 'REGISTER', uri: 'sip:127.0.0.1', to: '<sip:nobody@127.0.0.1>', headers: { Contact: '<sip:nobody@127.0.0.1:5099>' } }) },
  // 405 Method Not Allowed (§21.4.6)
  { code: 405, needs: ['user'], when: 'an INVITE to a user that takes only MESSAGE and OPTIONS', headers: { Allow: 'MESSAGE, OPTIONS' }, run: (p) => p.send({ uri: 'sip:textonly@127.0.0.1' }) },
  // 406 Not Acceptable (§21.4.7)
  { code: 406, when: 'an INVITE whose Accept excludes application/sdp (§20.1)', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { Accept: 'text/plain, application/sdp;q=0' } }) },
  { code: 406, when: 'an INVITE with an empty Accept (§20.1: nothing is acceptable)', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { Accept: '' } }) },
  // 407 Proxy Authentication Required (§21.4.8, §22.3)
  {
    code: 407,
    needs: ['auth'],
    when: 'an INVITE from a user with a password, auth.role proxy (§22.3)',
    server: 'proxyAuth',
    run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', from: `<sip:alice@127.0.0.1>;tag=${uniqueToken('a')}` }),
    check: (res) => expect(res.getAll('Proxy-Authenticate').map((c) => digestParams(c).algorithm)).toEqual(['MD5']),
  },
  // 408 Request Timeout (§21.4.9)
  {
    code: 408,
    when: 'a slow user, after 100 Trying (§17.2.1)',
    async run(p) {
      const invite = p.request({ uri: 'sip:slow@127.0.0.1' });
      p.client.send(invite);
      expect((await p.answer(invite, { provisional: true })).status).toBe(100);
      return p.answer(invite);
    },
  },
  // 410 Gone (§21.4.10)
  { code: 410, needs: ['user'], when: 'a user gone for good', run: (p) => p.send({ uri: 'sip:gone@127.0.0.1' }) },
  // 413 Request Entity Too Large (§21.4.11)
  {
    code: 413,
    when: 'a body over limits.maxBodyBytes, temporary (limits.tooLargeRetryAfter)',
    headers: { 'Retry-After': '30' },
    run: (p) => p.send({ method: 'MESSAGE', uri: 'sip:bob@127.0.0.1', headers: { 'Content-Type': 'application/sdp' }, body: 'x'.repeat(4000) }),
  },
  // 414 Request-URI Too Long (§21.4.12)
  { code: 414, when: 'a Request-URI over limits.maxRequestUriBytes', run: (p) => p.send({ method: 'OPTIONS', uri: `sip:${'a'.repeat(600)}@127.0.0.1` }) },
  // 415 Unsupported Media Type (§21.4.13, §8.2.3)
  ...[
    ['a body type not in sip.accept', { 'Content-Type': 'application/x-sip4xx-unknown' }],
    ['a Content-Encoding not in sip.acceptEncodings', { 'Content-Type': 'application/sdp', 'Content-Encoding': 'gzip' }],
    ['a Content-Language not in sip.acceptLanguages', { 'Content-Type': 'application/sdp', 'Content-Language': 'fr' }],
  ].map(
    ([when, headers]): Row => ({
      code: 415,
      when: `${when as string} (§8.2.3)`,
      headers: { Accept: 'application/sdp, text/plain', 'Accept-Encoding': 'identity', 'Accept-Language': 'en' },
      run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: headers as Record<string, string>, body: SDP('m=audio 4000 RTP/AVP 0') }),
    }),
  ),
  // 416 Unsupported URI Scheme (§21.4.14)
  { code: 416, when: 'a mailto: Request-URI (§8.2.2.1)', run: (p) => p.send({ uri: 'mailto:bob@example.com' }) },
  // 420 Bad Extension (§21.4.15)
  { code: 420, when: 'a Require naming an unknown option tag (§8.2.2.3)', headers: { Unsupported: 'foo' }, run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { Require: 'foo, timer' } }) },
  // 421 Extension Required (§21.4.16)
  { code: 421, when: 'a request whose Supported lacks a tag in sip.required', server: 'required', headers: { Require: '100rel' }, run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { Supported: 'timer' } }) },
  // 422 Session Interval Too Small (RFC 4028 §6)
  { code: 422, when: 'a Session-Expires below sip.minSE (RFC 4028 §9)', headers: { 'Min-SE': '90' }, run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { 'Session-Expires': '30;refresher=uac' } }) },
  { code: 422, when: "a Session-Expires below the request's own larger Min-SE (RFC 4028 §5)", headers: { 'Min-SE': '200' }, run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { x: '150', 'Min-SE': '200' } }) },
  // 423 Interval Too Brief (§21.4.17, §10.3 step 7)
  { code: 423, needs: ['auth', 'registrar'], when: 'an authenticated REGISTER with Expires below registrar.minExpires', headers: { 'Min-Expires': '60' }, run: (p) => registerWithDigest(p, 'secret', { Expires: '10' }) },
  // 480 Temporarily Unavailable (§21.4.18)
  { code: 480, needs: ['user'], when: 'an unavailable user', headers: { 'Retry-After': '60' }, run: (p) => p.send({ uri: 'sip:unavailable@127.0.0.1' }) },
  { code: 480, needs: ['user'], when: 'a user who may register but is not registered (§21.4.18 "not logged in")', headers: { 'Retry-After': '60' }, run: (p) => p.send({ uri: 'sip:bob@127.0.0.1' }) },
  // 481 Call/Transaction Does Not Exist (§21.4.19)
  { code: 481, when: 'a BYE whose To tag matches no dialog (§12.2.2)', run: (p) => p.send({ method: 'BYE', uri: 'sip:answer@127.0.0.1', to: '<sip:answer@127.0.0.1>;tag=nodialog' }) },
  { code: 481, when: 'a CANCEL matching no transaction (§9.2)', run: (p) => p.send({ method: 'CANCEL', uri: 'sip:ringing@127.0.0.1' }) },
  // 482 Loop Detected (§21.4.20)
  {
    code: 482,
    when: 'our own sent-by in a Via (§16.3 step 4)',
    run(p) {
      const top = `SIP/2.0/UDP 127.0.0.1:${p.client.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`;
      return p.send({ uri: 'sip:answer@127.0.0.1', via: [top, `SIP/2.0/UDP ${p.uriHost};branch=z9hG4bKourown`] });
    },
  },
  {
    code: 482,
    when: 'a merged INVITE: same From tag, Call-ID and CSeq as a pending one, other branch (§8.2.2.2)',
    async run(p) {
      const same = { uri: 'sip:ringing@127.0.0.1', callId: uniqueCallId(), from: `<sip:tester@127.0.0.1>;tag=${uniqueToken('m')}` };
      const first = p.request(same);
      p.client.send(first);
      expect((await p.answer(first, { provisional: true })).status).toBe(180);
      const merged = await p.send(same);
      const cancel = p.request({ ...same, method: 'CANCEL', via: /\r\nVia: ([^\r]*)/.exec(first.toString('latin1'))?.[1], cseq: '1 CANCEL' });
      p.client.send(cancel);
      await p.answer(first); // 487, ACKed
      return merged;
    },
  },
  // 483 Too Many Hops (§21.4.21)
  { code: 483, when: 'Max-Forwards 0 (§16.3 step 3)', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', maxForwards: 0 }) },
  // 484 Address Incomplete (§21.4.22)
  { code: 484, needs: ['user'], when: 'a number shorter than the dial plan wants (overlap dialling)', run: (p) => p.send({ uri: 'sip:0123@127.0.0.1' }) },
  // 485 Ambiguous (§21.4.23)
  {
    code: 485,
    needs: ['user'],
    when: 'an alias naming several users',
    run: (p) => p.send({ uri: 'sip:team@127.0.0.1' }),
    check: (res, p) => expect(res.getAll('Contact')).toEqual(['<sip:alice@{host}>', '<sip:bob@{host}>'].map((c) => c.replace('{host}', p.uriHost))),
  },
  {
    code: 485,
    needs: ['user'],
    when: 'an ambiguous user, its candidates as Contact',
    run: (p) => p.send({ uri: 'sip:ambiguous@127.0.0.1' }),
    check: (res, p) => expect(res.getAll('Contact')).toEqual([`<sip:alice@${p.uriHost}>`, `<sip:bob@${p.uriHost}>`]),
  },
  // 486 Busy Here (§21.4.24)
  { code: 486, when: 'a busy user', headers: { 'Retry-After': '60' }, run: (p) => p.send({ uri: 'sip:busy@127.0.0.1' }) },
  // 487 Request Terminated (§21.4.25)
  {
    code: 487,
    when: 'a ringing INVITE cancelled (§9.2), while the CANCEL itself gets 200',
    async run(p) {
      const invite = p.request({ uri: 'sip:ringing@127.0.0.1' });
      p.client.send(invite);
      expect((await p.answer(invite, { provisional: true })).status).toBe(180);
      const text = invite.toString('latin1');
      const field = (name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)`).exec(text)?.[1];
      const cancel = p.request({ method: 'CANCEL', uri: 'sip:ringing@127.0.0.1', via: field('Via'), from: field('From'), callId: field('Call-ID'), cseq: '1 CANCEL' });
      p.client.send(cancel);
      expect((await p.answer(cancel)).status).toBe(200);
      return p.answer(invite);
    },
  },
  // 488 Not Acceptable Here (§21.4.26)
  {
    code: 488,
    when: 'an SDP offer with no codec in sip.codecs, answered with Warning 305 and the supported media',
    headers: { Warning: /^305 127\.0\.0\.1:\d+ "Incompatible media format"$/, 'Content-Type': 'application/sdp' },
    run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { 'Content-Type': 'application/sdp' }, body: SDP('m=audio 4000 RTP/AVP 18 101', 'a=rtpmap:101 telephone-event/8000') }),
    check: (res) => expect(res.body.toString()).toContain('m=audio 0 RTP/AVP 0 8 9 96 97\r\n'),
  },
  {
    code: 488,
    when: "an SDP offer with no codec in the user's own codecs, the Accept excluding an SDP body",
    headers: { Warning: /^305 127\.0\.0\.1:\d+ "Incompatible media format"$/ },
    run: (p) => p.send({ method: 'UPDATE', uri: 'sip:g729@127.0.0.1', headers: { 'Content-Type': 'application/sdp', Accept: 'text/plain' }, body: SDP('m=audio 4000 RTP/AVP 0 8') }),
    check: (res) => expect(res.body.length).toBe(0),
  },
  // 489 Bad Event (RFC 6665 §8.3)
  { code: 489, when: 'a SUBSCRIBE for an event package not in sip.events', headers: { 'Allow-Events': 'presence, message-summary, dialog' }, run: (p) => p.send({ method: 'SUBSCRIBE', uri: 'sip:answer@127.0.0.1', headers: { Event: 'conference' } }) },
  { code: 489, when: 'a PUBLISH without Event (RFC 3903 §6)', headers: { 'Allow-Events': 'presence, message-summary, dialog' }, run: (p) => p.send({ method: 'PUBLISH', uri: 'sip:answer@127.0.0.1' }) },
  // 491 Request Pending (§21.4.27, §14.2)
  {
    code: 491,
    when: 'a re-INVITE while our 2xx still waits for its ACK (§14.2)',
    async run(p) {
      const call = { uri: 'sip:answer@127.0.0.1', callId: uniqueCallId(), from: `<sip:tester@127.0.0.1>;tag=${uniqueToken('g')}` };
      const ok = await p.send(call);
      expect(ok.status).toBe(200);
      const to = `<sip:answer@127.0.0.1>;tag=${tagOf(ok.get('To'))}`;
      const res = await p.send({ ...call, to, cseq: 2 });
      p.client.send(p.request({ ...call, method: 'ACK', to, cseq: '1 ACK' }));
      return res;
    },
  },
  // 493 Undecipherable (§21.4.28, §23.2)
  { code: 493, when: 'an S/MIME (application/pkcs7-mime) body', run: (p) => p.send({ uri: 'sip:answer@127.0.0.1', headers: { 'Content-Type': 'application/pkcs7-mime; smime-type=enveloped-data' }, body: 'MIAGCSqGSIb3DQEHA6CAMIACAQAx' }) },
];

describe('the 4xx catalogue over UDP, by real condition (RFC 3261 §21.4)', () => {
  it('covers every code of the catalogue', () => {
    const codes = [400, 401, 402, 403, 404, 405, 406, 407, 408, 410, 413, 414, 415, 416, 420, 421, 422, 423, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 491, 493];
    expect([...new Set(ROWS.map((r) => r.code))]).toEqual(codes);
  });

  const pipeline = testConfig().pipeline;
  for (const row of ROWS) {
    const reason = row.reason ?? REASON_PHRASES[row.code] ?? '';
    const title = `${row.code} ${reason} for ${row.when}`;
    it(title, async () => {
      for (const rule of row.needs ?? []) expect(pipeline, `rule ${rule} in the default pipeline`).toContain(rule);
      const { srv, client } = servers.get(row.server ?? 'main') as { srv: TestServer; client: UdpClient };
      const peer = new Peer(srv, client);
      const res = await row.run(peer);
      expect([res.status, res.reason]).toEqual([row.code, reason]);
      for (const name of REQUIRED_BY_CODE[row.code] ?? []) expect(res.get(name), `${name} header`).toBeDefined();
      for (const [name, want] of Object.entries(row.headers ?? {})) {
        const got = res.getAll(name);
        expect(got, `${name} header`).toHaveLength(1);
        if (typeof want === 'string') expect(got[0]).toBe(want);
        else expect(got[0]).toMatch(want);
      }
      row.check?.(res, peer);
    });
  }
});
