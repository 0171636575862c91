// The main browser journey, in Debian's chromium driven by playwright-core (headless, loopback only):
// A and B sign up, B follows A from A's profile and watches the home feed; A checks in (geolocation, a new place,
// a shout, a photo); B's feed shows it live; A's profile map has one marker for the place; the global map has it too.
// Env: HERENOW_URL (the API), HERENOW_PHOTO (an image file), HERENOW_ARTIFACTS (screenshots), CHROMIUM (binary).
// Exits 0 and prints "JOURNEY OK" only if every step held; any CSP violation, page error or console error fails it.
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const base = process.env.HERENOW_URL ?? 'http://127.0.0.1:5080';
const photo = process.env.HERENOW_PHOTO;
const artifacts = path.resolve(process.env.HERENOW_ARTIFACTS ?? 'artifacts/screenshots');
const suffix = Math.random().toString(36).slice(2, 8);
const alice = `alice_${suffix}`, bob = `bob_${suffix}`;
const placeName = `Journey Café ${suffix}`;
const shout = `Flat white at the journey café ${suffix}`;
const password = 'correct horse battery';
const position = { latitude: 52.520008, longitude: 13.404954 };
if (!photo) throw new Error('HERENOW_PHOTO must name an image file');
await mkdir(artifacts, { recursive: true });

const problems = [];
const pages = [];
const shots = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
  timeout: 60_000,
});

async function open(name, options) {
  const context = await browser.newContext({ baseURL: base, ...options });
  context.setDefaultTimeout(30_000); // generous: the suite runs test classes in parallel on small machines
  const page = await context.newPage();
  pages.push([name, page]);
  page.on('pageerror', e => problems.push(`${name}: page error: ${e.message}`));
  page.on('console', m => { if (m.type() === 'error') problems.push(`${name}: console error: ${m.text()} ${m.location()?.url ?? ''}`); });
  page.on('response', r => { if (r.status() >= 400) problems.push(`${name}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`); });
  // CSP violations are reported to the page as events: record them all.
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation',
    e => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
  return page;
}

async function shot(page, name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function signUp(page, username, displayName) {
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign up' }).first().click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name (optional)').fill(displayName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
}

try {
  const a = await open('A', { viewport: { width: 1280, height: 900 }, permissions: ['geolocation'], geolocation: position });
  const b = await open('B', { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

  await a.goto('/');
  await a.getByRole('heading', { level: 1, name: 'Everyone, everywhere' }).waitFor();
  await shot(a, '01-welcome');
  // Keyboard: the first Tab lands on the skip link, which moves focus to the main content.
  await a.keyboard.press('Tab');
  check(await a.evaluate(() => document.activeElement?.textContent) === 'Skip to content', 'the first Tab reaches the skip link');
  await a.keyboard.press('Enter');
  check(await a.evaluate(() => document.activeElement?.id) === 'main', 'the skip link moves focus to the main content');
  await signUp(a, alice, 'Alice Journey');
  await signUp(b, bob, 'Bob Journey');

  // B follows A from A's profile (through the UI), then watches the home feed.
  await b.goto(`/#/people/${alice}`);
  await b.getByRole('heading', { level: 1, name: 'Alice Journey' }).waitFor();
  await b.getByRole('button', { name: 'Follow' }).click();
  await b.getByRole('button', { name: 'Unfollow' }).waitFor();
  await b.goto('/#/');
  await b.locator('.live[data-state="live"]').waitFor();

  // A checks in: position from the browser's geolocation, a new place, a shout, a photo.
  await a.getByRole('link', { name: 'Check in' }).click();
  await a.getByRole('heading', { level: 1, name: 'Check in' }).waitFor();
  await a.getByRole('button', { name: 'Use my location' }).click();
  await a.locator('fieldset.places[data-found]').waitFor(); // the nearby search ran (a fresh database finds none)
  check(Math.abs(Number(await a.getByLabel('Latitude').inputValue()) - position.latitude) < 1e-5, 'latitude from geolocation');
  await a.getByText('Not listed? Add a place here').click();
  await a.getByLabel('Place name').fill(placeName);
  await a.getByLabel('Category (optional)').fill('café');
  await a.getByRole('button', { name: 'Add place' }).click();
  await a.getByRole('radio', { name: new RegExp(placeName) }).waitFor();
  check(await a.getByRole('radio', { name: new RegExp(placeName) }).isChecked(), 'the new place is selected');
  await a.getByLabel('Shout (optional)').fill(shout);
  await a.getByLabel('Photos (up to 4: JPEG, PNG or WebP)').setInputFiles(photo);
  await a.getByLabel('Photo description (alt text)').fill('A flat white on a wooden table');
  await a.getByLabel('Who can see it').selectOption('public');
  await shot(a, '02-checkin-form');
  await a.getByRole('button', { name: 'Check in', exact: true }).click();
  const mine = a.locator('article.checkin', { hasText: shout });
  await mine.waitFor();
  await shot(a, '03-home-after-checkin');

  // B's home feed shows it without a reload (the home stream), with the place and the photo.
  const seen = b.locator('article.checkin', { hasText: shout });
  await seen.waitFor();
  check((await seen.locator('.place').textContent()) === placeName, 'the follower sees the place name');
  const img = seen.getByRole('img', { name: 'A flat white on a wooden table' });
  await img.waitFor();
  await b.waitForFunction(el => el.complete && el.naturalWidth > 0, await img.elementHandle());
  await shot(b, '04-follower-feed-phone');
  // Phone-sized: nothing wider than the screen.
  const width = await b.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 375, `no horizontal scrolling at 375 px, page is ${width} px wide`);

  // A's profile: a map with exactly one marker (the place) and the list beside it.
  await a.getByRole('link', { name: 'Profile' }).click();
  await a.getByRole('heading', { level: 1, name: 'Alice Journey' }).waitFor();
  await a.locator('.map[data-ready="true"]').waitFor();
  const markers = await a.locator('.map path.leaflet-interactive').count();
  check(markers === 1, `one marker on A's map, found ${markers}`);
  const outlines = await a.locator('.map path:not(.leaflet-interactive)').count();
  check(outlines > 100, `the basemap draws the country outlines, found ${outlines} paths`);
  check((await a.locator('.map-list li').allTextContents()).some(t => t.includes(placeName)), 'the place is listed beside the map');
  await shot(a, '05-profile-map');

  // The place page (stats, mayor, recent), then the global map.
  await a.locator('.map-list a', { hasText: placeName }).click();
  await a.getByRole('heading', { level: 1, name: placeName }).waitFor();
  check((await a.locator('.stats').textContent()).includes('Check-ins1'), 'the place counts one check-in');
  await shot(a, '06-place');
  await b.goto('/#/map');
  await b.locator('.map[data-ready="true"]').waitFor();
  check(await b.locator('.map-list a', { hasText: placeName }).count() === 1, 'the global map lists the place');
  check(await b.locator('.map path.leaflet-interactive').count() >= 1, 'the global map has a marker');
  await shot(b, '07-global-map-phone');

  check(problems.length === 0, `no page errors, console errors or CSP violations:\n${problems.join('\n')}`);
  console.log(`screenshots: ${shots.join(' ')}`);
  console.log('JOURNEY OK');
} catch (e) {
  console.error(e.stack ?? String(e));
  if (problems.length) console.error(problems.join('\n'));
  for (const [name, page] of pages) await shot(page, `failure-${name}`).catch(() => {});
  console.log(`screenshots: ${shots.join(' ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
