/**
 * Just enough of a response to match it to a client transaction (RFC 3261 §17.1.3): the status
 * code, the branch of the top Via and the CSeq method. Reads the header block only, and at most
 * MAX_HEAD_BYTES of it: a response that needs more is not one we could have caused.
 */

export interface ResponseKey {
  readonly status: number;
  readonly branch: string;
  readonly cseqMethod: string;
}

/** Our NOTIFYs carry short header fields; a response to one has a head far below this. */
const MAX_HEAD_BYTES = 16384;

export function readResponse(data: Buffer): ResponseKey | undefined {
  const text = data.toString('latin1', 0, Math.min(data.length, MAX_HEAD_BYTES));
  const end = text.indexOf('\r\n\r\n');
  const lines = (end === -1 ? text : text.slice(0, end)).split('\r\n');
  // §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (CRLFs before it are ignored, §7.5).
  while (lines.length > 0 && lines[0] === '') lines.shift();
  const m = /^SIP\/2\.0 ([1-6]\d\d) /i.exec(lines[0] ?? '');
  if (m === null) return undefined;
  let branch: string | undefined;
  let cseqMethod: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (branch === undefined && (name === 'via' || name === 'v')) {
      // The top Via is the first value of the first Via header field (§7.3.1 comma lists).
      const top = value.split(',')[0] as string;
      branch = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(top)?.[1] ?? '';
    } else if (cseqMethod === undefined && name === 'cseq') {
      cseqMethod = /^\d+\s+([A-Za-z]+)$/.exec(value)?.[1]?.toUpperCase() ?? '';
    }
  }
  if (branch === undefined || branch === '' || cseqMethod === undefined) return undefined;
  return { status: Number(m[1]), branch, cseqMethod };
}
