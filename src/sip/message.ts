/**
 * The SIP message model shared by the parser, the rules and the response builder.
 *
 * Header text is kept as `latin1` strings: one char per byte, so whatever bytes a client sent in
 * From, To, Via or Call-ID are copied into the response byte for byte (§8.2.6.2), even when they
 * are not valid UTF-8. Bodies stay Buffers.
 */

/** A header line as received, unfolded (§7.3.1), with its name in canonical long lower-case form. */
export interface SipHeader {
  /** Lower-case long form: compact `v` becomes `via`, `Call-ID` becomes `call-id`. */
  readonly name: string;
  /** The value with leading/trailing whitespace removed and folding (CRLF + WSP) replaced by a space. */
  readonly value: string;
}

/** A generic `;name=value` parameter. `value` is undefined for a flag parameter such as `;lr`. */
export interface SipParam {
  readonly name: string;
  readonly value: string | undefined;
}

/** A parsed SIP, SIPS or TEL URI (§19.1.1, RFC 3966). Other schemes are kept with `host` empty. */
export interface SipUri {
  readonly scheme: string;
  /** The user part, still %-escaped as received; use `decodedUser()` for comparisons. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host as written: a hostname, IPv4 address, or IPv6 reference including its brackets. */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: readonly SipParam[];
  readonly headers: string | undefined;
  /** The URI exactly as received. */
  readonly raw: string;
}

/** One Via header field value (§20.42). */
export interface Via {
  readonly protocol: string; // "SIP/2.0"
  readonly transport: string; // upper-case: UDP, TCP, TLS, SCTP, WS, WSS
  readonly host: string; // as written; IPv6 keeps its brackets
  readonly port: number | undefined;
  readonly branch: string | undefined;
  /** `undefined`: no rport; `true`: a bare `;rport` asking us to fill it (RFC 3581 §4); a number: given. */
  readonly rport: number | true | undefined;
  readonly received: string | undefined;
  readonly maddr: string | undefined;
  readonly params: readonly SipParam[];
  /** The value exactly as received, to be copied into responses. */
  readonly raw: string;
}

/** A name-addr / addr-spec value: From, To, Contact, Route… (§20.10, §20.20, §20.39). */
export interface NameAddr {
  readonly displayName: string | undefined;
  readonly uri: SipUri;
  readonly tag: string | undefined;
  readonly params: readonly SipParam[];
  readonly raw: string;
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** A request the parser accepted: every field the server reads is here and valid. */
export interface SipRequest {
  readonly method: string;
  readonly uri: SipUri;
  /** Every header in arrival order, for rules that look at headers we do not model. */
  readonly headers: readonly SipHeader[];
  /** Every Via value in order, top first (a header line with commas yields several). */
  readonly via: readonly Via[];
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly callId: string;
  readonly cseq: CSeq;
  readonly maxForwards: number | undefined;
  readonly require: readonly string[];
  readonly proxyRequire: readonly string[];
  readonly supported: readonly string[];
  readonly contact: readonly NameAddr[] | '*' | undefined;
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
  readonly body: Buffer;
  /**
   * Bytes the request keeps alive while it is held: its header text (every parsed value is a slice
   * of it) and its body. Known without listing the header fields.
   */
  readonly retainedBytes: number;
}

/**
 * What a response to this message must copy (§8.2.6.2). Built from the raw header lines so that a
 * request too broken to parse fully can still be answered with a 400 that names its fault.
 */
export interface ResponseBasis {
  /** Via values in order, exactly as received, top first. */
  readonly via: readonly string[];
  /** Undefined only on a stream transport, where the response goes back on the connection (§18.2.2). */
  readonly topVia: Via | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  /** Whether To already carries a tag; if not the response adds one. */
  readonly toHasTag: boolean;
  readonly callId: string | undefined;
  readonly cseq: string | undefined;
  readonly method: string;
}

/** First header with this (canonical, lower-case) name, or undefined. */
export function getHeader(headers: readonly SipHeader[], name: string): string | undefined {
  for (const h of headers) if (h.name === name) return h.value;
  return undefined;
}

/**
 * Every item of a token-list header (Require, Supported, Allow, Accept…), comma lists split (§7.3.1)
 * and empty items dropped. Not for values that may quote commas (name-addr, Via): those have parsers.
 */
export function getHeaderList(headers: readonly SipHeader[], name: string): string[] {
  const out: string[] = [];
  for (const h of headers) {
    if (h.name !== name) continue;
    for (const item of h.value.split(',')) {
      const t = item.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}
