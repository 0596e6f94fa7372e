/* global document */
// The ladder (README, "Console"): every message of one group in time order, as arrows between the
// client (one lane per source address) and sip4xx, with timestamps and the time since the previous
// message. Retransmissions (RFC 3261 §17.1.1.2, §17.2.1) are drawn dashed and named, ACKs the
// server absorbed (§17.2.1, §13.3.1.4) are named too; colours follow the status class (§7.2).
import { codeClass, timeOf } from './calls.js';

/** Messages drawn at most; a longer flow shows its latest. */
export const MAX_LADDER = 2000;

/** The group's requests and responses, in time order (a request before the responses it got). */
export function messagesOf(group) {
  const out = [];
  let order = 0;
  for (const e of group.entries) {
    const lane = `${e.transport.toUpperCase()} ${e.source.address}:${e.source.port}`;
    const flags = [];
    if (e.retransmission) flags.push('retransmission');
    if (e.absorbed) flags.push('absorbed');
    const firstLine = e.raw.slice(0, Math.max(0, e.raw.indexOf('\r\n'))) || e.method;
    out.push({ ms: Date.parse(e.time), order: order++, inbound: true, lane, label: firstLine.replace(/ SIP\/2\.0$/, ''), cls: 'req', flags, raw: e.raw, time: e.time, entry: e });
    for (const r of e.responses) {
      const rflags = r.retransmission ? ['retransmission'] : [];
      out.push({ ms: Date.parse(r.time), order: order++, inbound: false, lane, label: `${r.code} ${r.reason}`, cls: codeClass(r.code), flags: rflags, raw: r.raw, time: r.time, entry: e });
    }
  }
  // Within one millisecond the journal cannot say which came first; a 487 answers the CANCEL of the
  // same CSeq number (§9.2), so it goes after that CANCEL and its 200.
  for (const c of out) {
    if (!c.inbound || c.entry.method !== 'CANCEL') continue;
    const num = (c.entry.cseq ?? '').split(' ')[0];
    const last = out.filter((m) => m.entry === c.entry).at(-1);
    for (const m of out) {
      if (m.inbound || m.entry.method !== 'INVITE' || m.label.slice(0, 3) !== '487' || (m.entry.cseq ?? '').split(' ')[0] !== num) continue;
      if (m.ms <= last.ms) {
        m.ms = last.ms;
        m.order = last.order + 0.5;
      }
    }
  }
  return out.sort((a, b) => a.ms - b.ms || a.order - b.order);
}

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls !== undefined) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

function delta(ms) {
  if (ms < 1000) return `+${ms} ms`;
  return `+${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Draws the ladder of `group` into `root`; `onPick(message, button)` when a message is chosen. */
export function renderLadder(root, group, onPick) {
  const all = messagesOf(group);
  const msgs = all.slice(-MAX_LADDER);
  const lanes = [...new Set(msgs.map((m) => m.lane))];
  const cols = lanes.length + 1;
  // Lanes spread across the track, the outer ones near its edges, so the labels have room.
  const x = (i) => 10 + (i * 80) / (cols - 1);
  const server = x(lanes.length);

  const head = el('div', 'lanes');
  head.append(el('span', 'when', 'time'), el('span', 'delta', 'delta'));
  const names = el('div', 'track');
  for (const [i, name] of [...lanes, 'sip4xx'].entries()) {
    const n = el('span', 'lane-name', name);
    n.style.left = `${x(i)}%`;
    names.append(n);
  }
  head.append(names);

  const list = el('ol', 'msgs');
  let prev;
  for (const [i, m] of msgs.entries()) {
    const li = el('li');
    const b = el('button', `msg ${m.cls}${m.flags.includes('retransmission') ? ' retrans' : ''}${m.flags.includes('absorbed') ? ' absorbed' : ''}`);
    b.type = 'button';
    b.dataset.index = String(i);
    const from = m.inbound ? x(lanes.indexOf(m.lane)) : server;
    const to = m.inbound ? server : x(lanes.indexOf(m.lane));
    const track = el('span', 'track');
    for (let l = 0; l < cols; l++) {
      const line = el('span', 'life');
      line.style.left = `${x(l)}%`;
      track.append(line);
    }
    const arrow = el('span', `arrow ${to > from ? 'right' : 'left'}`);
    arrow.style.left = `${Math.min(from, to)}%`;
    arrow.style.width = `${Math.abs(to - from)}%`;
    const label = el('span', 'label', m.label);
    for (const f of m.flags) label.append(el('em', 'flag', f));
    arrow.append(label);
    track.append(arrow);
    b.append(el('span', 'when', timeOf(m.time)), el('span', 'delta', prev === undefined ? '' : delta(m.ms - prev)), track);
    b.setAttribute('aria-label', `${timeOf(m.time)} ${m.inbound ? 'to sip4xx' : 'from sip4xx'}: ${m.label}${m.flags.length > 0 ? ` (${m.flags.join(', ')})` : ''}`);
    b.addEventListener('click', () => onPick(m, b));
    li.append(b);
    list.append(li);
    prev = m.ms;
  }
  const nodes = [head];
  if (all.length > msgs.length) nodes.push(el('p', 'note', `showing the latest ${msgs.length} of ${all.length} messages`));
  nodes.push(list);
  root.replaceChildren(...nodes);
  return msgs;
}

/** The group as text: every message in order, each under a line saying when, which way and what. */
export function callText(group) {
  const lines = [];
  let prev;
  for (const m of messagesOf(group)) {
    const dir = m.inbound ? `${m.lane} -> sip4xx` : `sip4xx -> ${m.lane}`;
    const flags = m.flags.length > 0 ? ` [${m.flags.join(', ')}]` : '';
    lines.push(`=== ${m.time} ${prev === undefined ? '' : `(${delta(m.ms - prev)}) `}${dir}: ${m.label}${flags}`, m.raw.replace(/\r\n/g, '\n'), '');
    prev = m.ms;
  }
  return lines.join('\n');
}
