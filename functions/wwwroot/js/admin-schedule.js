// The companion's weekly availability as a week schedule: blocks (state, days, from, until) edited as form fields, and
// the week at a glance (what each day looks like, worked out with the server's rule: the first block covering a minute wins).
import { h } from './ui.js';

export const DAYS = [['mon', 'Mon', 'Monday'], ['tue', 'Tue', 'Tuesday'], ['wed', 'Wed', 'Wednesday'], ['thu', 'Thu', 'Thursday'],
  ['fri', 'Fri', 'Friday'], ['sat', 'Sat', 'Saturday'], ['sun', 'Sun', 'Sunday']];
const STATES = ['Asleep', 'Working', 'Free'];
export const USUAL_WEEK = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '23:00', to: '07:00', state: 'Asleep' },
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', state: 'Working' },
];

const minutes = (hhmm) => { const [hh, mm] = hhmm.split(':').map(Number); return hh * 60 + mm; };
const clock = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** What each minute of each day (mon..sun) is under these blocks. */
export function week(blocks) {
  return DAYS.map(([day], d) => {
    const yesterday = DAYS[(d + 6) % 7][0];
    const states = new Array(1440).fill('Free');
    for (let m = 1439; m >= 0; m--) {
      for (const block of blocks) {
        if (!block.from || !block.to) continue;
        const from = minutes(block.from);
        const to = minutes(block.to);
        const covers = from < to
          ? block.days.includes(day) && m >= from && m < to
          : (block.days.includes(day) && m >= from) || (block.days.includes(yesterday) && m < to);
        if (covers) { states[m] = block.state; break; }
      }
    }
    const runs = [];
    for (let m = 0; m < 1440; m++) {
      if (runs.length && runs[runs.length - 1].state === states[m]) runs[runs.length - 1].to = m + 1;
      else runs.push({ state: states[m], from: m, to: m + 1 });
    }
    return runs;
  });
}

/** The schedule editor inside the companion form; set(blocks) shows a schedule, get() reads it back (throws on a gap). */
export function scheduleEditor({ list, rows, add, usual }) {
  let next = 0;

  function blockItem(block) {
    const n = ++next;
    const id = (name) => `block${n}-${name}`;
    const item = h('li', { class: 'block' });
    const title = () => `Block ${[...list.children].indexOf(item) + 1}`;
    const state = h('select', { id: id('state'), class: 'auto-width' }, ...STATES.map((s) => h('option', { value: s, selected: s === block.state }, s)));
    const days = DAYS.map(([day, short, long]) => h('span', { class: 'day' },
      h('input', { type: 'checkbox', id: id(day), value: day, checked: block.days.includes(day), class: 'auto-width' }),
      h('label', { for: id(day), class: 'flush', title: long }, short)));
    const from = h('input', { id: id('from'), type: 'time', value: block.from, required: true, class: 'auto-width' });
    const to = h('input', { id: id('to'), type: 'time', value: block.to, required: true, class: 'auto-width' });
    const legend = h('legend', {}, title());
    const remove = h('button', { type: 'button', class: 'link small', onclick: () => { item.remove(); renumber(); preview(); add.focus(); } }, 'Remove');
    item.append(h('fieldset', { class: 'block-fields' }, legend,
      h('div', { class: 'row' },
        h('label', { for: id('state'), class: 'flush' }, 'State'), state,
        h('label', { for: id('from'), class: 'flush' }, 'From'), from,
        h('label', { for: id('to'), class: 'flush' }, 'Until'), to, remove),
      h('div', { class: 'row days', role: 'group', 'aria-label': 'Days' }, ...days)));
    item.read = () => ({
      days: DAYS.map(([day]) => day).filter((day) => item.querySelector(`#${id(day)}`).checked),
      from: from.value, to: to.value, state: state.value,
    });
    item.renumber = () => { legend.textContent = title(); remove.setAttribute('aria-label', `Remove ${title().toLowerCase()}`); };
    item.addEventListener('change', preview);
    item.addEventListener('input', preview);
    return item;
  }

  function renumber() { for (const item of list.children) item.renumber(); }

  function read() { return [...list.children].map((item) => item.read()); }

  function preview() {
    const blocks = read().filter((b) => b.from && b.to);
    const days = week(blocks);
    rows.replaceChildren(...DAYS.map(([, , long], d) => {
      const busy = days[d].filter((r) => r.state !== 'Free');
      const bar = h('div', { class: 'day-bar', 'aria-hidden': 'true' }, ...busy.map((r) => {
        const part = h('span', { class: `part part-${r.state.toLowerCase()}` });
        // Positions through the CSS object model: the policy refuses style attributes, not this.
        part.style.left = `${(r.from / 1440) * 100}%`;
        part.style.width = `${((r.to - r.from) / 1440) * 100}%`;
        return part;
      }));
      const text = busy.length ? busy.map((r) => `${r.state} ${clock(r.from)}–${clock(r.to)}`).join(', ') : 'Free all day';
      return h('tr', {}, h('th', { scope: 'row' }, long), h('td', {}, bar, h('span', { class: 'small' }, text)));
    }));
  }

  function set(blocks) {
    list.replaceChildren(...(blocks ?? []).map(blockItem));
    renumber();
    preview();
  }

  function get() {
    const blocks = read();
    blocks.forEach((b, i) => {
      if (b.days.length === 0) throw new Error(`Block ${i + 1} of the weekly availability needs at least one day.`);
      if (!b.from || !b.to) throw new Error(`Block ${i + 1} of the weekly availability needs a start and an end time.`);
    });
    return blocks;
  }

  add.addEventListener('click', () => {
    const item = blockItem({ days: DAYS.map(([day]) => day), from: '22:00', to: '07:00', state: 'Asleep' });
    list.append(item);
    renumber();
    preview();
    item.querySelector('select').focus();
  });
  usual.addEventListener('click', () => set(USUAL_WEEK));
  return { set, get };
}
