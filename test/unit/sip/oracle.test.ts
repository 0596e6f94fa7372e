/**
 * Differential tests against sip.js's PEG grammar (`Grammar.parse`, generated from the RFC 3261 §25
 * ABNF): for generated URIs, Via values and name-addr values — and mutations of them — whatever the
 * oracle accepts we must accept with the same fields, and whatever we accept the oracle must accept.
 * Where the two disagree and sip.js is the one off the ABNF, the case is filtered out below with the
 * rule it breaks.
 */
import fc from 'fast-check';
import { Grammar } from 'sip.js';
import { describe, expect, it } from 'vitest';
import { parseNameAddr } from '../../../src/sip/parse-name-addr.js';
import { parseUri } from '../../../src/sip/parse-uri.js';
import { parseVia } from '../../../src/sip/parse-via.js';

const RUNS = { numRuns: 300 };

// ── Generators, built from the §25.1 character classes ────────────────────────────────────────
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (set: string, min = 1, max = 8): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...set), { minLength: min, maxLength: max }).map((a) => a.join(''));
const escaped = fc.constantFrom('%20', '%41', '%3a', '%00', '%7E');
const withEscapes = (set: string): fc.Arbitrary<string> =>
  fc.array(fc.oneof({ weight: 5, arbitrary: chars(set, 1, 3) }, { weight: 1, arbitrary: escaped }), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));

const label = fc.tuple(fc.constantFrom(...'abcxyz019'), chars(ALNUM + '-', 0, 5), fc.constantFrom(...'abz09')).map(([a, b, c]) => a + b.replace(/-$/, '') + c);
const topLabel = fc.tuple(fc.constantFrom(...'abcXYZ'), chars(ALNUM, 0, 4)).map(([a, b]) => a + b);
const hostname = fc.tuple(fc.array(label, { maxLength: 3 }), topLabel).map(([ls, t]) => [...ls, t].join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6 = fc.constantFrom('[::1]', '[2001:db8::10]', '[fe80::1:2]', '[::ffff:192.0.2.1]', '[1:2:3:4:5:6:7:8]');
const host = fc.oneof({ weight: 3, arbitrary: hostname }, { weight: 2, arbitrary: ipv4 }, { weight: 1, arbitrary: ipv6 });
const port = fc.option(fc.nat(65535), { nil: undefined });
const token = chars(ALNUM + "-.!%*_+`'~", 1, 8);
const param = fc.tuple(fc.constantFrom('transport', 'lr', 'user', 'maddr', 'ttl', 'method', 'x-p', 'Foo'), fc.option(chars(ALNUM + '-.', 1, 6), { nil: undefined }));

const sipUri = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips', 'SIP'),
    user: fc.option(withEscapes(ALNUM + "-_.!~*'()&=+$,;?/"), { nil: undefined }),
    password: fc.option(withEscapes(ALNUM + "-_.!~*'()&=+$,"), { nil: undefined }),
    host,
    port,
    params: fc.array(param, { maxLength: 3 }),
    headers: fc.option(fc.array(fc.tuple(chars(ALNUM, 1, 5), chars(ALNUM + '-.', 0, 5)), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  })
  .map((u) => {
    const userinfo = u.user === undefined ? '' : `${u.user}${u.password === undefined ? '' : `:${u.password}`}@`;
    const params = u.params.map(([n, v]) => (v === undefined ? `;${n}` : `;${n}=${v}`)).join('');
    const headers = u.headers === undefined ? '' : `?${u.headers.map(([n, v]) => `${n}=${v}`).join('&')}`;
    return `${u.scheme}:${userinfo}${u.host}${u.port === undefined ? '' : `:${u.port}`}${params}${headers}`;
  });

/** Small edits that often turn a valid value into an invalid one (or a differently valid one). */
const HAZARDS = [' ', ';', ':', '@', '<', '>', '"', ',', '=', '?', '%', '[', ']', '/', '\\', '\t', '-', '.'];
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: base },
    {
      weight: 1,
      arbitrary: fc.tuple(base, fc.nat(), fc.constantFrom(...HAZARDS)).map(([s, at, c]) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + c + s.slice(i);
      }),
    },
    { weight: 1, arbitrary: fc.tuple(base, fc.nat()).map(([s, at]) => s.slice(0, at % s.length) + s.slice((at % s.length) + 1)) },
  );
}

// ── sip.js results (its data objects are loose; only the fields compared are typed) ───────────
interface OracleUri {
  readonly raw: { scheme: string; user?: string; host: string; port?: number };
  readonly parameters: Record<string, string | null>;
}
interface OracleVia {
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly branch?: string;
}
interface OracleNameAddr {
  readonly uri: OracleUri;
  readonly parameters: Record<string, string | null>;
  readonly _displayName?: string;
}
function oracle<T>(input: string, rule: string): T | undefined {
  const data: unknown = Grammar.parse(input, rule);
  return data === -1 ? undefined : (data as T);
}

/**
 * Known sip.js deviations from the §25.1 ABNF, so the property compares only what both parse per
 * the RFC. Each returns true when the input exercises that deviation.
 */
const SIPJS_DEVIATIONS: ReadonlyArray<readonly [rule: string, applies: (s: string) => boolean]> = [
  // hostname = *( domainlabel "." ) toplabel [ "." ]: sip.js refuses the optional trailing dot… and
  // accepts labels that start or end in "-" or a top label that starts with a digit.
  ['hostname', (s) => /@?[^@;?:\]]*\.(?=[:;?>]|$)/.test(s) || /-(?=[.:;?>]|$)/.test(s) || /[@.\s]-/.test(s) || /[.@:]\d[a-z0-9-]*[a-z][a-z0-9-]*(?=[:;?>]|$)/i.test(s)],
  // IPv6reference: sip.js's IPv6 rule is looser than RFC 4291 (and tags a host "[::1]" as IPv4).
  ['IPv6reference', (s) => s.includes('[') || s.includes(']')],
  // escaped = "%" HEXDIG HEXDIG: sip.js lets a lone "%" through in some positions, and refuses any
  // escaped octet that does not decode as UTF-8 (it runs decodeURIComponent), though any octet is valid.
  ['escaped', (s) => /%(?![0-9a-f]{2})/i.test(s) || /%[89a-f][0-9a-f]/i.test(s)],
  // port = 1*DIGIT: sip.js accepts "host:" with no digits.
  ['empty port', (s) => /:(?=[;?>\s]|$)/.test(s)],
  // port = 1*DIGIT: sip.js bounds it to 0–65535 the way we do but also accepts leading zeros past 5.
  ['port', (s) => /:\d{6,}/.test(s)],
  // domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum: a label neither starts nor ends
  // with "-", but sip.js takes any run of letters, digits, "-" and "_" ("sip:-aa.a").
  ['domainlabel', (s) => /(^|[@.:])-|-([.:;?>]|$)/.test(s)],
  // sip.js moves a URI's ttl out of the parameter list (a field quirk, not grammar).
  ['ttl-param', (s) => /;ttl\b/i.test(s)],
  // IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT in RFC 3261, so "0.100.00.10" is
  // valid; sip.js uses RFC 3986's dec-octet, which has no leading zeros.
  ['IPv4address', (s) => /(^|[^0-9])0\d/.test(s)],
  // transport = "UDP" / "TCP" / … / other-transport (a token): "UDP." is other-transport, but PEG's
  // ordered choice commits to "UDP" and then fails.
  ['transport', (s) => /\/\s*(udp|tcp|tls|sctp|ws)[a-z0-9.!%*_+`'~-]/i.test(s)],
  // protocol-name = "SIP" / token, the same way: "SIP." is a token.
  ['protocol-name', (s) => /^\s*sip[a-z0-9.!%*_+`'~-]/i.test(s)],
  // Header values reach these parsers trimmed (message.ts SipHeader); the grammar rules themselves
  // have no leading or trailing whitespace, so such inputs say nothing about either parser.
  ['trimmed', (s) => s !== s.trim()],
];

/**
 * other-param = pname [ "=" pvalue ] admits any value for ttl, maddr, transport, user or method, but
 * sip.js commits to its ttl-param / maddr-param / transport-param / user-param / method-param rules
 * and refuses what they do not match. True when those parameters alone make sip.js refuse `s`.
 */
function namedUriParamsExplain(s: string, rule: string): boolean {
  const stripped = s.replace(/;(ttl|maddr|transport|user|method)=[^;?>]*/gi, '').replace(/;lr[^;?>]*/gi, '');
  return stripped !== s && oracle(stripped, rule) !== undefined;
}
function deviates(s: string): string | undefined {
  for (const [rule, applies] of SIPJS_DEVIATIONS) if (applies(s)) return rule;
  return undefined;
}

const lowerKeys = (o: Record<string, string | null>): Record<string, string | null> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v === null ? null : v.toLowerCase()]));

/**
 * sip.js field quirks that are not grammar disagreements:
 * - its `host` rule writes into the object being built, so a `maddr=` parameter (whose value is a
 *   host) overwrites the URI's or Via's host: hosts are compared only without maddr;
 * - it stores `lr` as a flag even when written `lr=value` (other-param allows a value, §25.1), so
 *   only the presence of lr is compared.
 */
function sameUri(ours: ReturnType<typeof parseUri>, theirs: OracleUri, input: string): void {
  expect(ours, `sip.js accepts what we refuse: ${input}`).toBeDefined();
  if (ours === undefined) return;
  const user = ours.user === undefined ? undefined : ours.password === undefined ? ours.user : `${ours.user}:${ours.password}`;
  const hasMaddr = ours.params.some((p) => p.name === 'maddr');
  expect(
    { scheme: ours.scheme, user: user === undefined ? undefined : decodeURIComponentSafe(user), host: hasMaddr ? '' : ours.host.toLowerCase(), port: ours.port },
    input,
  ).toEqual({
    scheme: theirs.raw.scheme.toLowerCase(),
    user: theirs.raw.user === undefined ? undefined : decodeURIComponentSafe(theirs.raw.user),
    host: hasMaddr ? '' : theirs.raw.host.toLowerCase(),
    port: theirs.raw.port,
  });
  const ourParams = Object.fromEntries(ours.params.map((p) => [p.name, p.value === undefined || p.name === 'lr' ? null : p.value.toLowerCase()]));
  expect(ourParams, input).toEqual(lowerKeys(theirs.parameters));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('differential oracle: sip.js Grammar (RFC 3261 §25.1)', () => {
  it('agrees on SIP and SIPS URIs and their fields (§19.1.1)', () => {
    fc.assert(
      fc.property(mutated(sipUri), (s) => {
        // The SIP_URI rule covers only sip/sips; a mutation may have changed the scheme.
        if (deviates(s) !== undefined || !/^sips?:/i.test(s)) return;
        const theirs = oracle<OracleUri>(s, 'SIP_URI');
        const ours = parseUri(s);
        if (theirs === undefined) {
          if (namedUriParamsExplain(s, 'SIP_URI')) return;
          expect(ours, `we accept what sip.js refuses: ${s}`).toBeUndefined();
        } else {
          sameUri(ours, theirs, s);
        }
      }),
      RUNS,
    );
  });

  const via = fc
    .record({
      sp1: fc.constantFrom('', ' '),
      transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'udp', 'WS'),
      host,
      port,
      branch: fc.option(token.map((t) => `z9hG4bK${t}`), { nil: undefined }),
      extra: fc.array(fc.constantFrom(';rport', ';received=192.0.2.7', ';ttl=5', ';maddr=239.1.1.1', ';x-y=z'), { maxLength: 2 }),
    })
    .map((v) => `SIP${v.sp1}/${v.sp1}2.0/${v.transport} ${v.host}${v.port === undefined ? '' : `:${v.port}`}${v.branch === undefined ? '' : `;branch=${v.branch}`}${v.extra.join('')}`);

  it('agrees on Via values: transport, sent-by and branch (§20.42)', () => {
    fc.assert(
      fc.property(mutated(via), (s) => {
        // A comma makes a list, which we split before parseVia; sip.js's Via rule takes the list.
        if (deviates(s) !== undefined || s.includes(',')) return;
        const theirs = oracle<OracleVia>(s, 'Via');
        const ours = parseVia(s);
        // via-extension (generic-param) formally admits any `received=`, `ttl=`, `maddr=`, `branch=` or
        // `rport=` value. We hold the names responses are routed by to their own rules (via-received,
        // via-ttl, via-branch, RFC 3581 response-port; §18.2.2) and take any maddr value, which we
        // never route by; sip.js commits to all of its named rules (a maddr that is no host, e.g.
        // `2.39.1.1.1`, makes it refuse). Skip when the named parameters alone explain a difference.
        const unnamed = s.replace(/;\s*(received|ttl|maddr|branch|rport)\s*(=[^;]*)?/gi, '');
        if (theirs === undefined) {
          if (ours !== undefined && unnamed !== s && oracle<OracleVia>(unnamed, 'Via') !== undefined) return;
          expect(ours, `we accept what sip.js refuses: ${s}`).toBeUndefined();
          return;
        }
        if (ours === undefined && parseVia(unnamed) !== undefined) return;
        expect(ours, `sip.js accepts what we refuse: ${s}`).toBeDefined();
        const hasMaddr = ours?.maddr !== undefined;
        expect({ transport: ours?.transport, host: hasMaddr ? '' : ours?.host.toLowerCase(), port: ours?.port, branch: ours?.branch }, s).toEqual({
          transport: theirs.transport.toUpperCase(),
          host: hasMaddr ? '' : theirs.host.toLowerCase(),
          port: theirs.port,
          branch: theirs.branch,
        });
      }),
      RUNS,
    );
  });

  const display = fc.oneof(
    fc.constant(''),
    fc.array(token, { minLength: 1, maxLength: 3 }).map((ts) => `${ts.join(' ')} `),
    chars(ALNUM + ' ,;<>@:', 0, 10).map((t) => `"${t}" `),
  );
  const nameAddr = fc
    .record({ display, uri: sipUri, angle: fc.boolean(), tag: fc.option(token, { nil: undefined }), other: fc.option(param, { nil: undefined }) })
    .map((n) => {
      const params = `${n.tag === undefined ? '' : `;tag=${n.tag}`}${n.other === undefined ? '' : n.other[1] === undefined ? `;${n.other[0]}` : `;${n.other[0]}=${n.other[1]}`}`;
      // addr-spec without <> cannot carry a display name, URI parameters or headers (§20.10).
      if (!n.angle && n.display === '' && !/[;?,]/.test(n.uri)) return `${n.uri}${params}`;
      return `${n.display}<${n.uri}>${params}`;
    });

  it('agrees on From/To/Contact name-addr values: URI, display name and tag (§20.10, §20.20)', () => {
    fc.assert(
      fc.property(mutated(nameAddr), (s) => {
        // sip.js's From rule only takes SIP and SIPS URIs, though addr-spec allows absoluteURI (§25.1).
        if (deviates(s) !== undefined || s.includes(',') || !/(^|<)sips?:/i.test(s)) return;
        const theirs = oracle<OracleNameAddr>(s, 'From');
        const ours = parseNameAddr(s);
        if (theirs === undefined) {
          if (namedUriParamsExplain(s, 'From')) return;
          expect(ours, `we accept what sip.js refuses: ${s}`).toBeUndefined();
          return;
        }
        expect(ours, `sip.js accepts what we refuse: ${s}`).toBeDefined();
        if (ours === undefined) return;
        sameUri(ours.uri, theirs.uri, s);
        expect(ours.tag, s).toEqual(theirs.parameters.tag ?? undefined);
        const ourName = ours.displayName?.startsWith('"') ? ours.displayName.slice(1, -1) : ours.displayName;
        expect(ourName ?? '', s).toEqual(theirs._displayName ?? '');
      }),
      RUNS,
    );
  });
});
