import { describe, expect, it } from 'vitest';
import { sameUri } from '../../../src/registrar/uri-match.js';
import { parseUri } from '../../../src/sip/parse-uri.js';

function uri(s: string) {
  const u = parseUri(s);
  if (u === undefined) throw new Error(`bad test URI ${s}`);
  return u;
}

describe('SIP URI comparison for bindings (§19.1.4)', () => {
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'],
    ['sip:alice@192.0.2.4:5070;lr', 'sip:alice@192.0.2.4:5070'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
  ])('treats %s and %s as equal (§19.1.4 examples)', (a, b) => {
    expect(sameUri(uri(a), uri(b))).toBe(true);
    expect(sameUri(uri(b), uri(a))).toBe(true);
  });

  it.each([
    ['sip:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sips:bob@biloxi.com'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
  ])('treats %s and %s as different (§19.1.4 examples)', (a, b) => {
    expect(sameUri(uri(a), uri(b))).toBe(false);
    expect(sameUri(uri(b), uri(a))).toBe(false);
  });
});
