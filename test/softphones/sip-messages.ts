/** SIP messages as the clients saw them, cut out of their traces and logs. */
export interface SipMsg {
  readonly dir: 'in' | 'out'; // as seen by the client
  readonly startLine: string;
  readonly headers: ReadonlyMap<string, readonly string[]>; // lower-case full names
  readonly text: string;
}

const COMPACT: Record<string, string> = { i: 'call-id', m: 'contact', v: 'via', f: 'from', t: 'to', l: 'content-length', c: 'content-type' };
const START_LINE = /^(?:SIP\/2\.0 \d{3} .*|[A-Z]+ \S+ SIP\/2\.0)$/;

/** Split text holding one or more SIP messages (a TCP read may carry several) into messages. */
export function parseMessages(text: string, dir: 'in' | 'out'): SipMsg[] {
  const out: SipMsg[] = [];
  let lines: string[] | undefined;
  const flush = (): void => {
    if (!lines || lines.length === 0) return;
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      if (line === '') break; // end of the header block; the body is not needed
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      let name = line.slice(0, colon).trim().toLowerCase();
      name = COMPACT[name] ?? name;
      const list = headers.get(name) ?? [];
      list.push(line.slice(colon + 1).trim());
      headers.set(name, list);
    }
    out.push({ dir, startLine: lines[0] ?? '', headers, text: lines.join('\n') });
  };
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    if (START_LINE.test(raw)) {
      flush();
      lines = [raw];
    } else if (lines) {
      lines.push(raw);
    }
  }
  flush();
  return out;
}

export const hdr = (m: SipMsg, name: string): string | undefined => m.headers.get(name)?.[0];
export const hdrs = (m: SipMsg, name: string): readonly string[] => m.headers.get(name) ?? [];
export const statusOf = (m: SipMsg): number | undefined => {
  const s = /^SIP\/2\.0 (\d{3}) /.exec(m.startLine);
  return s ? Number(s[1]) : undefined;
};
export const isRequest = (m: SipMsg, method: string): boolean => m.startLine.startsWith(`${method} `);
export const cseqMethod = (m: SipMsg): string => (hdr(m, 'cseq') ?? '').split(/\s+/)[1] ?? '';
export const ofCall = (msgs: readonly SipMsg[], callId: string): SipMsg[] => msgs.filter((m) => hdr(m, 'call-id') === callId);

/** Expires asked for by a REGISTER: the Expires header, else the Contact's expires parameter. */
export function registerExpires(m: SipMsg): number | undefined {
  const e = hdr(m, 'expires');
  if (e !== undefined && /^\d+$/.test(e)) return Number(e);
  const p = /;\s*expires=(\d+)/i.exec(hdrs(m, 'contact').join(','));
  return p ? Number(p[1]) : undefined;
}

/** The algorithm of a digest challenge or answer; absent means MD5 (RFC 2617 §3.2.2). */
export const digestAlgorithm = (value: string): string => /algorithm=("?)([\w-]+)\1/i.exec(value)?.[2] ?? 'MD5';

/** One line per message for failure reports: direction, start line, CSeq. */
export const brief = (m: SipMsg): string => `${m.dir === 'in' ? '<-' : '->'} ${m.startLine} [${hdr(m, 'cseq') ?? ''}]`;
