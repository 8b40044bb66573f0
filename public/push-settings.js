// The settings page's "Notifications on this device": asks the browser for
// permission, subscribes its push manager with the server's key
// (GET /api/push/key) and hands the subscription to the server
// (POST /api/push/subscriptions) — again for a new session of a browser
// that kept its subscription; turns it off again; sends a test push.
// Without JavaScript the section says that notifications need it.
(() => {
  const section = document.getElementById('pushSettings');
  if (!section) return;
  const state = document.getElementById('pushState');
  const toggle = document.getElementById('pushToggle');
  const test = document.getElementById('pushTest');
  const say = (text) => {
    state.textContent = text;
  };
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say('This browser cannot show notifications from Parlor.');
    return;
  }

  const base64urlToBytes = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const post = (path, init) => fetch(path, { method: 'POST', credentials: 'same-origin', ...init });
  const registration = () => navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }).then(() => navigator.serviceWorker.ready);

  // This browser kept a subscription the server no longer has for this
  // session (it logged in again, or its password changed): hand it over again.
  const adopt = async (subscription) => {
    if (!subscription || Notification.permission !== 'granted') return false;
    if (document.querySelector('#pushDevices tr.current') || sessionStorage.getItem('parlor.push.adopting')) return false;
    sessionStorage.setItem('parlor.push.adopting', '1');
    const answer = await post('/api/push/subscriptions', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (answer.ok) window.location.reload();
    return answer.ok;
  };

  const show = async () => {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (await adopt(subscription)) return;
    sessionStorage.removeItem('parlor.push.adopting');
    const on = subscription !== null && Notification.permission === 'granted';
    toggle.textContent = on ? 'Turn off notifications on this device' : 'Turn on notifications on this device';
    toggle.dataset.on = String(on);
    toggle.hidden = false;
    test.hidden = !on;
    if (Notification.permission === 'denied') say('Notifications are blocked for this site in your browser settings.');
    else say(on ? 'On: this device is told of messages while Parlor is closed.' : 'Off on this device.');
  };

  const turnOn = async () => {
    if ((await Notification.requestPermission()) !== 'granted') return show();
    const { public_key: key } = await (await fetch('/api/push/key', { credentials: 'same-origin' })).json();
    const manager = (await registration()).pushManager;
    const subscription = await manager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlToBytes(key) });
    const answer = await post('/api/push/subscriptions', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!answer.ok) {
      await subscription.unsubscribe();
      say(`The server did not take this device: ${(await answer.json().catch(() => ({}))).message || answer.status}`);
      return;
    }
    window.location.reload();
  };

  const turnOff = async () => {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (subscription) {
      await post('/api/push/subscriptions/remove', { body: new URLSearchParams({ endpoint: subscription.endpoint }) });
      await subscription.unsubscribe();
    }
    window.location.reload();
  };

  toggle.addEventListener('click', () => {
    toggle.disabled = true;
    (toggle.dataset.on === 'true' ? turnOff() : turnOn())
      .catch((err) => say(`Notifications could not be changed: ${err.message || err}`))
      .finally(() => {
        toggle.disabled = false;
      });
  });
  test.addEventListener('click', async () => {
    const answer = await post('/api/push/test');
    say(answer.ok ? 'A test notification is on its way.' : 'The test notification could not be sent.');
  });
  show().catch(() => say('Notifications could not be checked.'));
})();
