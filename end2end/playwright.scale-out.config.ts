// The scale-out browser test: two Parlor instances sharing PostgreSQL and Redis,
// behind nginx (scripts/scale-out-stack.sh starts and stops the whole stack).
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

const port = Number(process.env.PARLOR_STACK_PORT ?? 3290);

export default defineConfig({
  ...base,
  testDir: './scale-out',
  workers: 1,
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}` },
  webServer: {
    command: `bash scripts/scale-out-stack.sh ${port}`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
});
