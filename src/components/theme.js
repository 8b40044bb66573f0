// The reader's theme, before the first paint and without waiting for the
// bundle: the saved choice (localStorage "parlor.theme": "light" or "dark";
// none means the system's) is applied as data-theme on <html>, shown in the
// header's #themeSwitch, and every change of that switch is applied and kept.
(() => {
  const key = 'parlor.theme';
  const root = document.documentElement;
  const apply = (theme) => {
    if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
    else delete root.dataset.theme;
  };
  const keep = (theme) => {
    try {
      if (theme === 'light' || theme === 'dark') localStorage.setItem(key, theme);
      else localStorage.removeItem(key);
    } catch (_) { /* storage refused: the choice lasts for this page */ }
  };
  let saved = null;
  try { saved = localStorage.getItem(key); } catch (_) { /* no storage: follow the system */ }
  apply(saved);
  document.addEventListener('DOMContentLoaded', () => {
    const select = document.getElementById('themeSwitch');
    if (select && (saved === 'light' || saved === 'dark')) select.value = saved;
  });
  document.addEventListener('change', (event) => {
    if (event.target.id !== 'themeSwitch') return;
    apply(event.target.value);
    keep(event.target.value);
  });
})();
