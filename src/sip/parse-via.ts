/**
 * Via (§20.42, §25.1):
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
 *   sent-by = host [ COLON port ]
 * plus RFC 3581 `rport`. One call parses one via-parm; a header line may hold several, which
 * `parseViaList` separates.
 */
import type { Via } from './message.js';
import { TOKEN, isDigit, parseDigits } from './charset.js';
import { findParam, parseParams, skipWs } from './parse-params.js';
import { isIPv4, parseHostPort } from './parse-uri.js';
import { isIPv6 } from 'node:net';

/** Parse every via-parm of one Via header value; undefined if any of them is malformed. */
export function parseViaList(value: string): Via[] | undefined {
  const out: Via[] = [];
  let i = 0;
  for (;;) {
    const via = parseViaAt(value, i);
    if (via === undefined) return undefined;
    out.push(via.via);
    i = skipWs(value, via.end);
    if (i >= value.length) return out;
    if (value.charCodeAt(i) !== 0x2c) return undefined;
    i = skipWs(value, i + 1);
  }
}

/** Parse a single via-parm (the whole string). */
export function parseVia(value: string): Via | undefined {
  const r = parseViaAt(value, 0);
  return r !== undefined && skipWs(value, r.end) === value.length ? r.via : undefined;
}

function token(s: string, i: number): number {
  while (i < s.length && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

function slash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) return -1;
  return skipWs(s, i + 1);
}

function parseViaAt(s: string, start: number): { via: Via; end: number } | undefined {
  let i = skipWs(s, start);
  const nameStart = i;
  i = token(s, i);
  if (i === nameStart) return undefined;
  const name = s.slice(nameStart, i);
  i = slash(s, i);
  if (i === -1) return undefined;
  const verStart = i;
  i = token(s, i);
  if (i === verStart) return undefined;
  const version = s.slice(verStart, i);
  i = slash(s, i);
  if (i === -1) return undefined;
  const trStart = i;
  i = token(s, i);
  if (i === trStart) return undefined;
  const transport = s.slice(trStart, i).toUpperCase();
  // LWS = [*WSP CRLF] 1*WSP: at least one blank before sent-by.
  const wsStart = i;
  i = skipWs(s, i);
  if (i === wsStart) return undefined;
  // sent-by ends at ';', ',' or whitespace; COLON may carry whitespace around it.
  const hostStart = i;
  let hostEnd = i;
  if (s.charCodeAt(i) === 0x5b) {
    hostEnd = s.indexOf(']', i);
    if (hostEnd === -1) return undefined;
    hostEnd++;
  } else {
    while (hostEnd < s.length) {
      const c = s.charCodeAt(hostEnd);
      if (c === 0x3b || c === 0x2c || c === 0x3a || c === 0x20 || c === 0x09) break;
      hostEnd++;
    }
  }
  const hp = parseHostPort(s, hostStart, hostEnd);
  if (hp === undefined) return undefined;
  let port: number | undefined;
  let j = skipWs(s, hostEnd);
  if (s.charCodeAt(j) === 0x3a) {
    j = skipWs(s, j + 1);
    const ps = j;
    while (j < s.length && isDigit(s.charCodeAt(j))) j++;
    port = parseDigits(s.slice(ps, j), 5);
    if (port === undefined || port > 65535) return undefined;
  } else {
    j = hostEnd;
  }
  const parsed = parseParams(s, j, true);
  if (parsed === undefined) return undefined;
  const params = parsed.params;
  const branch = findParam(params, 'branch');
  if (branch !== undefined && (branch.value === undefined || !isTokenValue(branch.value))) return undefined;
  const rportParam = findParam(params, 'rport');
  let rport: number | true | undefined;
  if (rportParam !== undefined) {
    if (rportParam.value === undefined) rport = true;
    else {
      const p = parseDigits(rportParam.value, 5);
      if (p === undefined || p > 65535) return undefined;
      rport = p;
    }
  }
  const received = findParam(params, 'received');
  // via-received = "received" EQUAL (IPv4address / IPv6address)
  if (received !== undefined && (received.value === undefined || !isAddress(received.value))) return undefined;
  const ttl = findParam(params, 'ttl');
  if (ttl !== undefined) {
    const t = ttl.value === undefined ? undefined : parseDigits(ttl.value, 3);
    if (t === undefined || t > 255) return undefined;
  }
  const maddr = findParam(params, 'maddr');
  if (maddr !== undefined && maddr.value === undefined) return undefined;
  return {
    via: {
      protocol: `${name}/${version}`,
      transport,
      host: hp.host,
      port,
      branch: branch?.value,
      rport,
      received: received?.value,
      maddr: maddr?.value,
      params,
      raw: s.slice(start, parsed.end).trim(),
    },
    end: parsed.end,
  };
}

function isTokenValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (TOKEN[v.charCodeAt(i)] !== 1) return false;
  return v.length > 0;
}

function isAddress(v: string): boolean {
  return isIPv4(v, 0, v.length) || (v.indexOf('%') === -1 && isIPv6(v.charCodeAt(0) === 0x5b ? v.slice(1, -1) : v));
}
