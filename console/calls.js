/* global document, ResizeObserver */
// The calls list (README, "Console"): journal entries grouped by Call-ID (REGISTER flows by the
// address of record, the To user), newest group first, drawn as a virtual list so that thousands
// of groups cost only the rows on screen.
export const ROW_HEIGHT = 28;

/** The group an entry belongs to. */
export function groupKey(e) {
  if (e.method === 'REGISTER') return `aor ${e.toUser ?? e.ruri ?? '?'}`;
  return e.callId !== null ? `call ${e.callId}` : `entry ${e.id}`;
}

/** The first final response (RFC 3261 §7.2: 200–699) of an entry. */
export function finalOf(e) {
  return e.responses.find((r) => r.code >= 200);
}

export function timeOf(iso) {
  const d = new Date(iso);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export class Store {
  constructor(maxEntries) {
    this.maxEntries = maxEntries;
    this.entries = new Map();
    this.groups = new Map();
    this.version = 0;
  }

  clear() {
    this.entries.clear();
    this.groups.clear();
    this.version++;
  }

  /** A new entry or a later state of one (GET /api/events `request` and `update`). */
  upsert(e) {
    const old = this.entries.get(e.id);
    this.entries.set(e.id, e);
    const key = groupKey(e);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { key, first: e.id, entries: [] };
      this.groups.set(key, g);
    }
    if (old === undefined) {
      let i = g.entries.length;
      while (i > 0 && g.entries[i - 1].id > e.id) i--;
      g.entries.splice(i, 0, e);
      if (e.id < g.first) g.first = e.id;
    } else {
      const i = g.entries.findIndex((x) => x.id === e.id);
      if (i >= 0) g.entries[i] = e;
    }
    g.summary = undefined;
    this.version++;
    while (this.entries.size > this.maxEntries) this.evictOldest();
    return g;
  }

  evictOldest() {
    const [id, e] = this.entries.entries().next().value;
    this.entries.delete(id);
    const g = this.groups.get(groupKey(e));
    if (g === undefined) return;
    g.entries = g.entries.filter((x) => x.id !== id);
    g.summary = undefined;
    if (g.entries.length === 0) this.groups.delete(g.key);
    else g.first = g.entries[0].id;
  }

  /** Groups newest first (by their first entry), those matching `text` only. */
  list(text) {
    const needle = text.trim().toLowerCase();
    const out = [];
    for (const g of this.groups.values()) if (needle === '' || summaryOf(g).search.includes(needle)) out.push(g);
    return out.sort((a, b) => b.first - a.first);
  }
}

/** What a row shows: the group's main request (the last one of the first method, e.g. the INVITE that carried credentials) and its answer. */
export function summaryOf(g) {
  if (g.summary !== undefined) return g.summary;
  const first = g.entries[0];
  const main = g.entries.filter((e) => e.method === first.method && !e.retransmission).at(-1) ?? first;
  const fin = finalOf(main);
  const search = [];
  for (const e of g.entries) {
    search.push(e.method, e.callId ?? '', e.fromUser ?? '', e.toUser ?? '', e.ruri ?? '', e.source.address, e.rule ?? '');
    for (const r of e.responses) search.push(String(r.code), r.reason);
  }
  g.summary = {
    time: timeOf(first.time),
    method: first.method,
    route: `${first.fromUser ?? '?'} → ${first.toUser ?? '?'}`,
    final: fin === undefined ? (main.responses.at(-1) ? `${main.responses.at(-1).code} …` : main.absorbed ? 'absorbed' : '…') : `${fin.code} ${fin.reason}`,
    code: fin?.code ?? main.responses.at(-1)?.code ?? 0,
    transport: first.transport.toUpperCase(),
    source: `${first.source.address}:${first.source.port}`,
    rule: main.rule ?? '',
    count: g.entries.length,
    search: search.join('\n').toLowerCase(),
  };
  return g.summary;
}

export function codeClass(code) {
  if (code >= 400) return 'c4';
  if (code >= 300) return 'c3';
  if (code >= 200) return 'c2';
  if (code >= 100) return 'c1';
  return 'c0';
}

/** The virtual list: a spacer as tall as every row, and only the rows in view (plus a margin). */
export class CallList {
  constructor(el, onSelect) {
    this.el = el;
    this.spacer = el.querySelector('.spacer');
    this.onSelect = onSelect;
    this.items = [];
    this.index = new Map();
    this.rows = new Map();
    this.selected = undefined;
    this.focusKey = undefined;
    el.addEventListener('scroll', () => this.render());
    el.addEventListener('keydown', (ev) => this.key(ev));
    el.addEventListener('click', (ev) => {
      const row = ev.target.closest('.row');
      if (row !== null) this.select(row.dataset.key, true);
    });
    new ResizeObserver(() => this.render()).observe(el);
  }

  /** New contents; the row at the top of the view stays where it is unless the view is at the top. */
  setItems(items) {
    const top = this.el.scrollTop;
    const anchorIdx = Math.floor(top / ROW_HEIGHT);
    const anchor = this.items[anchorIdx]?.key;
    this.items = items;
    this.index = new Map(items.map((g, i) => [g.key, i]));
    this.spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    if (top > 0 && anchor !== undefined && this.index.has(anchor)) {
      this.el.scrollTop = this.index.get(anchor) * ROW_HEIGHT + (top - anchorIdx * ROW_HEIGHT);
    }
    this.render();
  }

  render() {
    const first = Math.max(0, Math.floor(this.el.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(this.items.length, Math.ceil((this.el.scrollTop + this.el.clientHeight) / ROW_HEIGHT) + 5);
    const keep = new Set();
    const tabKey = this.index.has(this.focusKey) ? this.focusKey : this.index.has(this.selected) ? this.selected : this.items[first]?.key;
    for (let i = first; i < last; i++) {
      const g = this.items[i];
      keep.add(g.key);
      let row = this.rows.get(g.key);
      if (row === undefined) {
        row = document.createElement('div');
        row.className = 'row';
        row.setAttribute('role', 'option');
        row.dataset.key = g.key;
        this.rows.set(g.key, row);
        this.spacer.append(row);
      }
      this.fill(row, g);
      row.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      row.tabIndex = g.key === tabKey ? 0 : -1;
      row.setAttribute('aria-selected', String(g.key === this.selected));
    }
    for (const [key, row] of this.rows) {
      if (keep.has(key)) continue;
      row.remove();
      this.rows.delete(key);
    }
  }

  fill(row, g) {
    const s = summaryOf(g);
    if (row.summary === s) return;
    row.summary = s;
    row.className = `row ${codeClass(s.code)}`;
    row.replaceChildren(...[s.time, s.method, s.route, s.final, s.transport, s.source, s.rule].map((text, i) => {
      const span = document.createElement('span');
      span.textContent = text;
      if (i === 3) span.className = 'final';
      return span;
    }));
    row.title = `${g.key.slice(g.key.indexOf(' ') + 1)} · ${s.count} request(s)`;
    row.setAttribute('aria-label', `${s.time} ${s.method} ${s.route} ${s.final} ${s.transport} from ${s.source}`);
  }

  select(key, focus) {
    if (!this.index.has(key)) return;
    this.selected = key;
    this.focusKey = key;
    this.render();
    if (focus) this.rows.get(key)?.focus({ preventScroll: true });
    this.onSelect(key);
  }

  /** Arrow keys, Page Up/Down, Home and End move the focus; Enter and Space select. */
  key(ev) {
    const row = ev.target.closest?.('.row');
    const at = row === null || row === undefined ? -1 : this.index.get(row.dataset.key);
    if (at === undefined || at < 0) return;
    const page = Math.max(1, Math.floor(this.el.clientHeight / ROW_HEIGHT) - 1);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: this.items.length - 1 };
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.select(row.dataset.key, true);
      return;
    }
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    const to = Math.max(0, Math.min(this.items.length - 1, moves[ev.key]));
    this.focusKey = this.items[to].key;
    const y = to * ROW_HEIGHT;
    if (y < this.el.scrollTop) this.el.scrollTop = y;
    else if (y + ROW_HEIGHT > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = y + ROW_HEIGHT - this.el.clientHeight;
    this.render();
    this.rows.get(this.focusKey)?.focus({ preventScroll: true });
  }
}
