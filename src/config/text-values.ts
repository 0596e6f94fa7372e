/** Values given as text (environment variables, command-line flags), read for the key they set. */
import { parse as parseYaml } from 'yaml';
import { holdsText } from './key-paths.js';

/** Read as YAML, so "5060" is a number, "[a, b]" a list and "{behaviour: busy}" a mapping. */
export function scalarFromText(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/**
 * A value given as text for the key at `path`: a key the schema types as text keeps the text as it
 * is, so `--host ::` and `SIP4XX_SERVER__SERVER_HEADER=2.0` mean the strings they look like (read
 * as YAML they became the mapping {":": null} and the number 2, and the config was refused).
 * Anything else is read as YAML, and the schema then says whether it fits.
 */
export function valueFromText(text: string, path: readonly string[]): unknown {
  return holdsText(path) ? text : scalarFromText(text);
}
