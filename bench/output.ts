/**
 * Where the bench writes: tables and verdicts to stdout (nothing there with --json but the JSON
 * document), progress to stderr. Number formats shared by every table.
 */
let jsonMode = false;

export function setJsonMode(on: boolean): void {
  jsonMode = on;
}

export function isJsonMode(): boolean {
  return jsonMode;
}

export function progress(s: string): void {
  process.stderr.write(`${s}\n`);
}

export function out(s: string): void {
  if (!jsonMode) process.stdout.write(`${s}\n`);
}

export const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');
export const f2 = (n: number): string => n.toFixed(2);
export const pct = (n: number | undefined): string => (n === undefined ? '-' : `${Math.round(n)}`);

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
