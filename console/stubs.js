/* global document */
// The stubs panel (README, "Control plane"): list /api/stubs, add one from the form (a code for a
// method and a Request-URI user), delete one, reset the server to its configured start.
import { json } from './api.js';

export class StubsPanel {
  constructor({ list, form, code, user, method, error, reset }, onReset) {
    Object.assign(this, { list, form, code, user, method, error });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.add();
    });
    reset.addEventListener('click', () => void this.reset(onReset));
    list.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-id]');
      if (b !== null) void this.remove(b.dataset.id);
    });
  }

  async load() {
    try {
      const { stubs } = await json('GET', '/api/stubs');
      this.list.replaceChildren(...stubs.map((s) => this.item(s)));
    } catch (err) {
      this.error.textContent = String(err.message ?? err);
    }
  }

  item(s) {
    const li = document.createElement('li');
    const m = s.match ?? {};
    const what = [m.method, m.user !== undefined ? `user ${m.user}` : undefined].flat().filter((x) => x !== undefined).join(' · ') || 'any request';
    const respond = Array.isArray(s.respond) ? s.respond.map((r) => r.code).join(', ') : s.respond?.code;
    const text = document.createElement('span');
    text.textContent = `${s.name ?? s.id}: ${what} → ${respond ?? '?'} (${s.origin}, ${s.matches} matched)`;
    const del = document.createElement('button');
    del.type = 'button';
    del.dataset.id = s.id;
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete stub ${s.name ?? s.id}`);
    li.append(text, del);
    return li;
  }

  async add() {
    this.error.textContent = '';
    const match = {};
    if (this.user.value.trim() !== '') match.user = this.user.value.trim();
    if (this.method.value.trim() !== '') match.method = this.method.value.trim().toUpperCase();
    const code = Number(this.code.value);
    const name = `console: ${match.method ?? 'any'} ${match.user ?? '*'} → ${code}`;
    try {
      await json('POST', '/api/stubs', { name, match, respond: { code } });
      await this.load();
    } catch (err) {
      this.error.textContent = String(err.message ?? err);
    }
  }

  async remove(id) {
    this.error.textContent = '';
    try {
      await json('DELETE', `/api/stubs/${encodeURIComponent(id)}`);
    } catch (err) {
      this.error.textContent = String(err.message ?? err);
    }
    await this.load();
  }

  async reset(onReset) {
    this.error.textContent = '';
    try {
      await json('POST', '/api/reset');
      onReset();
    } catch (err) {
      this.error.textContent = String(err.message ?? err);
    }
    await this.load();
  }
}
