// Debian's Chromium driven by playwright-core, for the scripts that try a page in a real browser
// (push-page.mjs, centrifuge-browser.mjs): a new profile each run, removed on the way out, and
// their protocol with the Java test (Peer): lines on stdout, the test's go-ahead as a line on
// stdin, and last one JSON result line, within 90 s whatever happens.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

let profile;

/** Prints `result` as the last line, removes the profile and exits with `code`. */
export function done(result, code) {
  console.log(JSON.stringify(result));
  if (profile) {
    rmSync(profile, { recursive: true, force: true });
  }
  process.exit(code);
}

/** Chromium, headless, on a new profile, with `args` added to the switches; the script gives up 90 s from now. */
export async function launch({ viewport, args = [] }) {
  profile = mkdtempSync(join(tmpdir(), 'throng-chromium-'));
  setTimeout(() => done({ ok: false, why: 'timed out after 90 s' }, 1), 90_000).unref();
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', ...args],
  });
}

/** Resolves at the next line on stdin: the Java test's go-ahead (it has published). */
export function nextLine() {
  const stdin = createInterface({ input: process.stdin });
  return new Promise((resolve) => stdin.once('line', resolve));
}
