/**
 * The status page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it shows every member, a writes/s chart that moves after writes, and the new leader after the
 * leader is killed. Screenshots go to test-results/ (gitignored) as test artifacts.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { call, TestCluster, waitFor } from './support/cluster.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-results/', import.meta.url));
// CI installs chromium (scripts/ci/install-chromium.sh): there a missing browser is a failure.
const available = existsSync(CHROMIUM) || process.env['CI'] === 'true';
if (!available) console.warn(`status page browser test skipped: ${CHROMIUM} is missing (run scripts/ci/install-chromium.sh)`);

let cluster: TestCluster | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

const text = (page: Page, selector: string) => page.locator(selector).textContent({ timeout: 5000 });

describe.skipIf(!available)('status page in Chromium', () => {
  it('shows the members, a writes chart that moves after writes, and the new leader after a leader kill', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader } = await cluster.waitForLeader();
    const viewer = cluster.nodes.find((node) => node !== leader)!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://${viewer.http}/`);
    mkdirSync(ARTIFACTS, { recursive: true });

    // Every member is listed with its role; the leader is named.
    await waitFor('the page to list three members with their roles', async () => {
      const roles = await page.locator('#members tbody tr').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-id')}:${row.getAttribute('data-role')}`));
      return roles.length === 3 && roles.includes(`${leader.id}:leader`) && roles.filter((role) => role.endsWith(':follower')).length === 2 ? roles : undefined;
    });
    expect(await text(page, '#leader')).toBe(leader.id);
    const before = Number(await page.locator('#chart-writes').getAttribute('data-max'));

    // Writes make the writes/s chart move.
    for (let start = 0; start < 300; start += 30) {
      await Promise.all(Array.from({ length: 30 }, (_, offset) => call(leader, 'PUT', `/v1/kv/page-${start + offset}`, { body: 'v' })));
    }
    const moved = await waitFor('the writes/s chart to show the writes', async () => {
      const max = Number(await page.locator('#chart-writes').getAttribute('data-max'));
      return max > before && max > 0 ? max : undefined;
    });
    expect(moved).toBeGreaterThan(0);
    expect(await page.locator('#chart-writes polyline').getAttribute('points')).toMatch(/\d/);
    expect(await page.locator('#chart-latency').getAttribute('data-samples')).not.toBe('0');
    await page.screenshot({ path: `${ARTIFACTS}status-page-after-writes.png`, fullPage: true });

    // The leader dies: the page shows the new one, and the old one as unreachable.
    await leader.kill('SIGKILL');
    const newLeader = await waitFor('the page to show a new leader', async () => {
      const shown = await text(page, '#leader');
      return shown !== null && shown !== leader.id && shown !== 'none known' ? shown : undefined;
    });
    expect(cluster.nodes.filter((node) => node !== leader).map((node) => node.id)).toContain(newLeader);
    await waitFor('the page to show the killed leader as unreachable', async () => ((await page.locator(`#members tr[data-id="${leader.id}"]`).getAttribute('data-role')) === 'unreachable' ? true : undefined));
    expect(await page.locator(`#members tr[data-id="${newLeader}"]`).getAttribute('data-role')).toBe('leader');
    await page.screenshot({ path: `${ARTIFACTS}status-page-after-failover.png`, fullPage: true });
  });
});
