export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns something other than undefined/false, or `ms` passes. */
export async function waitFor<T>(probe: () => T | undefined | false, ms: number, everyMs = 50): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}
