// Playwright runs against the real release binary, started here on a free port
// with a fresh SQLite file, in Debian's Chromium (no browser download).
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.PARLOR_E2E_PORT ?? 3199);
// The stand-in site link previews read (sites/pages.mjs); Parlor may fetch from it only because of the test flag.
const sitePort = Number(process.env.PARLOR_E2E_SITE_PORT ?? 3198);
// The stand-in push service (sites/push.mjs); Parlor may push to it over plain HTTP only because of the test flag.
const pushPort = Number(process.env.PARLOR_E2E_PUSH_PORT ?? 3197);
const dataDir = process.env.PARLOR_E2E_DATA ?? mkdtempSync(join(tmpdir(), 'parlor-e2e-'));
// A second Parlor with a database of its own, for the specs of who gets in
// (entry.spec.ts registers its first account, the administrator): registration
// by invitation, and single sign-on through the stand-in provider (sites/oidc.mjs).
const entryPort = Number(process.env.PARLOR_E2E_ENTRY_PORT ?? 3196);
const oidcPort = Number(process.env.PARLOR_E2E_OIDC_PORT ?? 3195);
const entryDataDir = mkdtempSync(join(tmpdir(), 'parlor-e2e-entry-'));

export default defineConfig({
  testDir: './tests',
  // A test (not an expectation) may take a minute: on a loaded 2-core machine the longest ones ran past 30 s.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  workers: 2,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      // Every test comes from 127.0.0.1, so the per-IP limits are raised for the suite.
      command:
        `./target/release/parlor --addr 127.0.0.1:${port} --data-dir ${dataDir} ` +
        `--auth-attempts-per-ip 100000 --upgrades-per-ip 100000 --link-previews-test-allow 127.0.0.1:${sitePort} ` +
        `--vapid-subject mailto:e2e@parlor.test --push-test-allow 127.0.0.1:${pushPort}`,
      cwd: '..',
      url: `http://127.0.0.1:${port}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node sites/pages.mjs',
      env: { PARLOR_E2E_SITE_PORT: String(sitePort) },
      url: `http://127.0.0.1:${sitePort}/healthz`,
      reuseExistingServer: false,
      timeout: 20_000,
    },
    {
      command: 'node sites/oidc.mjs',
      env: { PARLOR_E2E_OIDC_PORT: String(oidcPort) },
      url: `http://127.0.0.1:${oidcPort}/healthz`,
      reuseExistingServer: false,
      timeout: 20_000,
    },
    {
      command:
        `./target/release/parlor --addr 127.0.0.1:${entryPort} --data-dir ${entryDataDir} ` +
        `--auth-attempts-per-ip 100000 --upgrades-per-ip 100000 --registration invite ` +
        `--oidc-issuer http://127.0.0.1:${oidcPort} --oidc-client-id parlor-e2e --oidc-client-secret e2e-secret --oidc-name "Test ID"`,
      cwd: '..',
      url: `http://127.0.0.1:${entryPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node sites/push.mjs',
      env: { PARLOR_E2E_PUSH_PORT: String(pushPort) },
      url: `http://127.0.0.1:${pushPort}/healthz`,
      reuseExistingServer: false,
      timeout: 20_000,
    },
  ],
});
