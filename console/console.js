/* global document, requestAnimationFrame, setTimeout, navigator, getSelection, Blob */
// The live console (README, "Console"): history from GET /api/requests, then every entry as it
// happens from GET /api/events; the calls list, the ladder of the selected call, its raw bytes,
// the stubs panel and the exports.
import { AuthError, call, download, events, json, setToken, tokenFromFragment } from './api.js';
import { CallList, Store, summaryOf } from './calls.js';
import { callText, renderLadder } from './ladder.js';
import { StubsPanel } from './stubs.js';

/** Entries kept in the page: above journal.maxEntries' default, oldest dropped first. */
const MAX_ENTRIES = 20_000;
/** Events held while paused; past it the oldest are dropped (and counted). */
const MAX_PAUSED = 20_000;
const RETRY_MS = 2000;

const $ = (id) => document.getElementById(id);
const store = new Store(MAX_ENTRIES);
const state = { paused: false, held: [], heldDropped: 0, selected: undefined, picked: undefined, live: false, frame: 0, lastVersion: -1, lastFilter: '' };

const list = new CallList($('calls'), (key) => {
  state.selected = key;
  state.picked = undefined;
  showRaw(undefined);
  drawLadder();
});

function status(text) {
  $('status').textContent = text;
}

function statusLine() {
  const held = state.held.length > 0 ? ` · ${state.held.length} held` : '';
  status(`${state.paused ? 'paused' : state.live ? 'live' : 'reconnecting…'} · ${store.entries.size} requests${held}`);
}

function drawLadder() {
  const g = state.selected === undefined ? undefined : store.groups.get(state.selected);
  $('export-call').disabled = g === undefined;
  if (g === undefined) {
    $('ladder-info').textContent = '';
    return;
  }
  const s = summaryOf(g);
  const focused = document.activeElement?.closest?.('#ladder .msg')?.dataset.index;
  $('ladder-info').textContent = `${g.key.slice(g.key.indexOf(' ') + 1)} · ${s.count} request(s)`;
  const msgs = renderLadder($('ladder'), g, (m, button) => {
    state.picked = { entry: m.entry.id, index: Number(button.dataset.index) };
    for (const b of $('ladder').querySelectorAll('.msg[aria-current]')) b.removeAttribute('aria-current');
    button.setAttribute('aria-current', 'true');
    showRaw(m);
  });
  if (state.picked !== undefined) {
    const b = $('ladder').querySelector(`.msg[data-index="${state.picked.index}"]`);
    if (b !== null && msgs[state.picked.index] !== undefined) b.setAttribute('aria-current', 'true');
  }
  if (focused !== undefined) $('ladder').querySelector(`.msg[data-index="${focused}"]`)?.focus({ preventScroll: true });
}

function showRaw(m) {
  $('raw').textContent = m === undefined ? '' : m.raw;
  $('raw-info').textContent = m === undefined ? '' : `${m.time} · ${m.inbound ? 'received' : 'sent'} · ${m.raw.length} bytes${m.flags.length > 0 ? ` · ${m.flags.join(', ')}` : ''}`;
  $('copy-raw').disabled = m === undefined;
}

/** Redraws at most once a frame, and only what changed. */
function schedule() {
  if (state.frame !== 0) return;
  state.frame = requestAnimationFrame(() => {
    state.frame = 0;
    const filter = $('filter').value;
    if (store.version !== state.lastVersion || filter !== state.lastFilter) {
      const changedSelected = state.selected !== undefined && store.groups.get(state.selected)?.summary === undefined;
      state.lastVersion = store.version;
      state.lastFilter = filter;
      const items = store.list(filter);
      list.setItems(items);
      $('calls-count').textContent = `${items.length} of ${store.groups.size}`;
      if (changedSelected) drawLadder();
    }
    statusLine();
  });
}

function apply(entry) {
  store.upsert(entry);
}

function onEvent(type, data) {
  if (type === 'dropped') {
    // This page fell behind the server's backlog bound: read the journal again.
    void history();
    return;
  }
  if (type !== 'request' && type !== 'update') return;
  const entry = JSON.parse(data);
  if (state.paused) {
    state.held.push(entry);
    if (state.held.length > MAX_PAUSED) {
      state.held.shift();
      state.heldDropped++;
    }
  } else apply(entry);
  schedule();
}

async function history() {
  const { requests } = await json('GET', '/api/requests');
  for (const e of requests) apply(e);
  schedule();
}

function needToken() {
  $('token-form').hidden = false;
  status('needs the admin token');
  $('token').focus();
}

async function connect() {
  for (;;) {
    try {
      await events(onEvent, () => {
        state.live = true;
        void history().catch(() => undefined);
        schedule();
      });
    } catch (err) {
      if (err instanceof AuthError) {
        state.live = false;
        needToken();
        return;
      }
    }
    state.live = false;
    schedule();
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  setToken($('token').value);
  $('token').value = '';
  $('token-form').hidden = true;
  void stubs.load();
  void connect();
});

$('pause').addEventListener('click', () => {
  state.paused = !state.paused;
  $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(state.paused));
  if (!state.paused) {
    for (const e of state.held.splice(0)) apply(e);
    state.heldDropped = 0;
  }
  schedule();
});

$('filter').addEventListener('input', schedule);

$('copy-raw').addEventListener('click', async () => {
  const text = $('raw').textContent;
  try {
    await navigator.clipboard.writeText(text);
    $('raw-info').dataset.copied = 'true';
  } catch {
    // No clipboard permission (plain http on another host): select the text for Ctrl+C instead.
    getSelection().selectAllChildren($('raw'));
  }
});

$('export-call').addEventListener('click', () => {
  const g = store.groups.get(state.selected);
  if (g === undefined) return;
  const name = g.key.slice(g.key.indexOf(' ') + 1).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  download(new Blob([callText(g)], { type: 'text/plain' }), `sip4xx-${name}.txt`);
});

$('export-pcap').addEventListener('click', async () => {
  try {
    const res = await call('GET', '/api/requests.pcap');
    download(await res.blob(), 'sip4xx-journal.pcap');
  } catch (err) {
    if (err instanceof AuthError) needToken();
  }
});

const stubs = new StubsPanel(
  { list: $('stubs'), form: $('stub-form'), code: $('stub-code'), user: $('stub-user'), method: $('stub-method'), error: $('stub-error'), reset: $('reset') },
  () => {
    store.clear();
    state.held.length = 0;
    state.selected = undefined;
    $('ladder').replaceChildren();
    showRaw(undefined);
    schedule();
  },
);

tokenFromFragment();
void stubs.load();
void connect();
