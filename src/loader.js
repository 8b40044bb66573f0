// Loads the bundle once the page has loaded and hydrates its islands (the
// `<leptos-island>` elements, each by the function the bundle exports for
// it), then tells the bundle they are all in place. `BUNDLE` is the bundle's
// path without its extension (`app::Hydration` puts it in).
const hydrate = async () => {
  const m = await import('BUNDLE.js');
  await m.default({ module_or_path: 'BUNDLE.wasm' });
  m.hydrate();
  for (const island of document.querySelectorAll('leptos-island')) {
    const hydrateIsland = m[island.dataset.component];
    if (hydrateIsland) await hydrateIsland(island); else console.warn('no island', island.dataset.component);
  }
  m.hydrated();
};
if (document.readyState === 'complete') hydrate(); else window.addEventListener('load', hydrate, { once: true });
