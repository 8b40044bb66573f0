// Loads the bundle once the page has loaded and hydrates its islands (the
// `<leptos-island>` elements, each by the function the bundle exports for
// it), then tells the bundle they are all in place. `BUNDLE` is the bundle's
// path without its extension (`app::Hydration` puts it in).
// Until then the composer is the server's plain box: Enter (or Send) is held
// (`parlorEarlySend`) and the box's text kept (`parlorEarlyText`) for the
// hydrated composer to take over (`client::early`), so nothing typed is lost.
const early = (e) => {
  const enter = e.type === 'keydown' && e.target && e.target.id === 'messageInput' && e.key === 'Enter' && !e.shiftKey && !e.isComposing;
  const submit = e.type === 'submit' && e.target && e.target.classList && e.target.classList.contains('composer');
  if (!enter && !submit) return;
  e.preventDefault();
  window.parlorEarlySend = true;
};
document.addEventListener('keydown', early, true);
document.addEventListener('submit', early, true);
const hydrate = async () => {
  const m = await import('BUNDLE.js');
  await m.default({ module_or_path: 'BUNDLE.wasm' });
  const box = document.getElementById('messageInput');
  if (box && box.value) window.parlorEarlyText = box.value;
  document.removeEventListener('keydown', early, true);
  document.removeEventListener('submit', early, true);
  m.hydrate();
  for (const island of document.querySelectorAll('leptos-island')) {
    const hydrateIsland = m[island.dataset.component];
    if (hydrateIsland) await hydrateIsland(island); else console.warn('no island', island.dataset.component);
  }
  m.hydrated();
};
if (document.readyState === 'complete') hydrate(); else window.addEventListener('load', hydrate, { once: true });
