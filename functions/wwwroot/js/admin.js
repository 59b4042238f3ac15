// The admin page: tabs (arrow keys move between them), each panel a module that loads when first shown.
import { signIn } from './session.js';
import { initAgents } from './admin-agents.js';
import { initJobs } from './admin-jobs.js';
import { initMemory } from './admin-memory.js';
import { initCoreMemory } from './admin-core-memory.js';
import { initSkills } from './admin-skills.js';
import { lorebookEditor } from './admin-lorebook.js';

const me = await signIn();
document.getElementById('admin-main').hidden = false;

const panels = {
  agents: () => initAgents(me),
  memory: () => { initMemory(me); initCoreMemory(); },
  lore: () => lorebookEditor(document.getElementById('user-lorebook-body'), 'user-lore').load('/api/lorebook', 'Your lorebook'),
  skills: () => initSkills(me),
  jobs: () => initJobs(me),
};
const started = new Set();
const tabs = [...document.querySelectorAll('#tabs [role="tab"]')];

function select(tab, focus = false) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.id.replace('tab-', '');
  history.replaceState(null, '', `#${name}`);
  if (!started.has(name)) { started.add(name); panels[name]?.(); }
}

for (const tab of tabs) {
  tab.addEventListener('click', () => select(tab));
  tab.addEventListener('keydown', (event) => {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length], true);
  });
}
select(tabs.find((t) => `#${t.id.replace('tab-', '')}` === location.hash) ?? tabs[0]);
