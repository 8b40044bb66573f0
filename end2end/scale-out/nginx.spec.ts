// Two people reach different Parlor instances through nginx and chat.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { register, say, uniqueName } from '../tests/helpers';

const port = Number(process.env.PARLOR_STACK_PORT ?? 3290);
const instances = [port + 1, port + 2];

/** Open room sockets on each instance, read from its own /metrics. */
async function socketsPerInstance(request: APIRequestContext): Promise<number[]> {
  return Promise.all(
    instances.map(async (p) => {
      const text = await (await request.get(`http://127.0.0.1:${p}/metrics`)).text();
      const line = text.split('\n').find((l: string) => l.startsWith('parlor_sockets_open '));
      return line ? Number(line.split(' ')[1]) : 0;
    }),
  );
}

test('two users on different instances chat through nginx', async ({ browser, request }) => {
  const room = uniqueName('lb').replace(/_/g, '-');
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await register(alice, uniqueName('alice'));
  await register(bob, uniqueName('bob'));

  await alice.goto(`/room/${room}/`);
  await expect(alice.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  // nginx balances round-robin (one state for all its workers, deploy/nginx.conf's
  // `zone`); reload bob until his socket is on the other instance.
  let spread = false;
  for (let attempt = 0; attempt < 20 && !spread; attempt++) {
    // One extra request through nginx shifts the round-robin by one each time.
    if (attempt > 0) await request.get('/healthz');
    await bob.goto(`/room/${room}/`);
    await expect(bob.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
    await expect.poll(async () => (await socketsPerInstance(request)).reduce((a, b) => a + b)).toBe(2);
    spread = (await socketsPerInstance(request)).every((n) => n === 1);
  }
  expect(spread, 'alice and bob are connected to different instances').toBe(true);

  await say(alice, 'hello from one instance');
  await expect(bob.locator('#messages .message .text')).toHaveText(['hello from one instance']);
  await say(bob, 'hello from the other');
  await expect(alice.locator('#messages .message .text')).toHaveText(['hello from one instance', 'hello from the other']);
});
