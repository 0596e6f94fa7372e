/** Configuration errors: a stable code for programs, every problem with its key path and source for people. */

/** Problems listed in one error; the rest are counted. */
const MAX_PROBLEMS = 32;
/** Bytes (UTF-8) of one problem: paths and keys come from input and may be long. */
const MAX_PROBLEM_BYTES = 240;

/** `text` cut to at most `maxBytes` UTF-8 bytes, on a character boundary, marked with "…" when cut. */
export function clip(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes - 3) break;
    out += ch;
    bytes += n;
  }
  return out + '…';
}

export class ConfigError extends Error {
  readonly code = 'SIP4XX_CONFIG_INVALID';
  readonly problems: readonly string[];
  /**
   * @param source   the one source every problem comes from (a file that cannot be read, the
   *                 environment), or undefined when each problem names its own source.
   * @param problems one line each, `path (source): what is wrong` or a whole sentence.
   */
  constructor(
    readonly source: string | undefined,
    problems: readonly string[],
  ) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) => clip(p, MAX_PROBLEM_BYTES));
    if (problems.length > MAX_PROBLEMS) shown.push(`and ${problems.length - MAX_PROBLEMS} more`);
    const where = source === undefined ? '' : ` (${clip(source, MAX_PROBLEM_BYTES)})`;
    super(`invalid configuration${where}: ${shown.join('; ')}`);
    this.problems = shown;
    this.name = 'ConfigError';
  }
}
