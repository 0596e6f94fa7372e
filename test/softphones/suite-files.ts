/** The files beside the runner: the clients' config templates. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../..');

export const suiteFile = (name: string): string => path.join(HERE, name);

/** Write `dest` from the template `name` in this folder, every `@KEY@` replaced by `values[KEY]`. */
export function writeFromTemplate(name: string, dest: string, values: Record<string, string | number>): void {
  const filled = readFileSync(suiteFile(name), 'utf8').replace(/@([A-Z_]+)@/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template placeholder ${whole} has no value`);
    return String(v);
  });
  writeFileSync(dest, filled);
}
