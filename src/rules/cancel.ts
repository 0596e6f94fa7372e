import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §9.2: "If the UAS did not find a matching transaction for the CANCEL according to the procedure
 * above, it SHOULD respond to the CANCEL with a 481 (Call Leg/Transaction Does Not Exist)." A
 * CANCEL that matched a transaction never reaches the pipeline.
 */
export const cancelRule: Rule = {
  name: 'cancel',
  section: 'RFC 3261 §9.2',
  check(req) {
    return req.method === 'CANCEL' ? reject(481) : undefined;
  },
};
