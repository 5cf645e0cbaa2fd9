/**
 * The web console in a real browser against a local host, as a person uses
 * it: create a topic, produce a record from the page, find it in the message
 * browser with its JSON value rendered, watch a consumer group's lag fall to
 * 0 as it consumes, reset its offsets with a dry-run preview, delete the
 * topic. Screenshots of the main pages go to docs/console/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { call, testHost } from '../helpers/host.js';
import { launchChromium, SCREENSHOTS } from './helpers.js';

type Host = Awaited<ReturnType<typeof testHost>>;

let host: Host;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What the page itself reported: uncaught errors and console errors fail the run. */
const pageErrors: string[] = [];

const TOPIC = 'orders';
const GROUP = 'billing';
const PARTITIONS = 3;

async function shot(name: string, p: Page = page): Promise<void> {
  // Let charts and polls settle into a steady frame.
  await p.waitForTimeout(300);
  await p.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

function watch(p: Page): void {
  p.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => {
    // 4xx answers the test provokes on purpose show up as failed resource loads; anything else is a bug.
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
  });
}

beforeAll(async () => {
  host = await testHost();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  // Each step names what it waited for, well before the test's own timeout.
  context.setDefaultTimeout(20_000);
  page = await context.newPage();
  watch(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.cleanup();
});

// Generous: a loaded CI machine runs this beside every other suite.
describe('the console on the local host', { timeout: 90_000 }, () => {
  it('serves the page under /console/ with its assets, and redirects /console', async () => {
    const redirect = await fetch(`${host.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const html = await fetch(`${host.url}/console/`);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('<script type="module" src="app.js">');
    const js = await fetch(`${host.url}/console/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${host.url}/console/nope.js`)).status).toBe(404);
    // The API is untouched by the console's routes.
    expect((await call(host.url, 'GET', '/v1/topics')).body).toEqual({ topics: [] });
  });

  it('shows an empty state before any topic exists', async () => {
    await page.goto(`${host.url}/console`);
    await page.getByText('No topics yet.').waitFor();
    expect(page.url()).toBe(`${host.url}/console/#/topics`);
  });

  it('works from the keyboard: Tab reaches the actions, Enter opens a dialog, Escape closes it', async () => {
    const focused = (): Promise<string> => page.evaluate<string>('document.activeElement ? document.activeElement.textContent.trim() : ""');
    const seen: string[] = [];
    for (let i = 0; i < 12 && !seen.includes('Create topic'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    expect(seen).toEqual(expect.arrayContaining(['Topics', 'Consumer groups', 'Create topic']));
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Create topic' });
    await dialog.waitFor();
    // The first field has focus, so typing goes straight in.
    await page.keyboard.type('typed-name');
    expect(await dialog.getByLabel('Name').inputValue()).toBe('typed-name');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it("shows the API's error as it is when a topic name is invalid", async () => {
    const direct = await call(host.url, 'POST', '/v1/topics', { name: 'bad name!', partitions: 1 });
    expect(direct.status).toBe(400);
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByLabel('Name').fill('bad name!');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const alert = page.getByRole('dialog').getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain(`${direct.body.error.code}: ${direct.body.error.message}`);
  });

  it('creates a topic from the page', async () => {
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(TOPIC);
    await dialog.getByLabel('Partitions').fill(String(PARTITIONS));
    await dialog.getByLabel('Retention').fill('3d');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: TOPIC, level: 2 }).waitFor();
    expect(page.url()).toContain(`#/topics/${TOPIC}`);
    const described = await call(host.url, 'GET', `/v1/topics/${TOPIC}`);
    expect(described.body).toMatchObject({ partitions: PARTITIONS, config: { retentionMs: 3 * 86_400_000 } });
  });

  it('produces a record from the page and finds it in the message browser, its JSON value rendered', async () => {
    await page.getByRole('button', { name: 'Browse messages' }).click();
    await page.getByText('No records here.').waitFor();
    await page.getByRole('button', { name: 'Produce record' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('select[name="partition"]').selectOption('1');
    await dialog.getByLabel('Key', { exact: true }).fill('customer-7');
    await dialog.getByLabel('Value').fill(JSON.stringify({ order: 4711, items: [{ sku: 'pen', qty: 2 }], paid: true }));
    await dialog.getByLabel('Headers').fill('source: console\ntrace-id: abc123');
    await dialog.getByRole('button', { name: 'Produce', exact: true }).click();
    await page.getByText('Produced to partition 1 at offset 0.').waitFor();

    // The API has it, exactly as typed.
    const fetched = await call(host.url, 'GET', `/v1/topics/${TOPIC}/partitions/1/records?offset=0&encoding=utf8`);
    expect(fetched.body.records).toMatchObject([{ offset: 0, key: 'customer-7', headers: { source: 'console', 'trace-id': 'abc123' } }]);
    expect(JSON.parse(fetched.body.records[0].value)).toEqual({ order: 4711, items: [{ sku: 'pen', qty: 2 }], paid: true });

    const row = page.locator('tr[data-partition="1"][data-offset="0"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('customer-7');
    // Opened from the keyboard.
    await row.getByRole('button', { name: 'Show record 1/0' }).focus();
    await page.keyboard.press('Enter');
    const tree = page.getByTestId('json');
    await tree.waitFor();
    const text = await tree.innerText();
    // Pretty JSON, value parsed (not a string of JSON), headers and key as text.
    expect(text).toContain('"order": 4711');
    expect(text).toContain('"sku": "pen"');
    expect(text).toContain('"paid": true');
    expect(text).toContain('"source": "console"');
    expect(text).toContain('"key": "customer-7"');
    expect(await page.getByRole('button', { name: 'JSON', pressed: true }).count()).toBe(1);
    // Switch to hex and back.
    await page.getByRole('button', { name: 'Hex' }).click();
    expect(await tree.innerText()).toContain('7b 22 6f 72 64 65 72 22'); // {"order"
    await page.getByRole('button', { name: 'JSON' }).click();
    expect(await tree.innerText()).toContain('"order": 4711');
    // Collapsible: closing the items array hides its entries.
    await tree.locator('summary', { hasText: '"items"' }).click();
    expect(await tree.innerText()).not.toContain('"sku"');
    await tree.locator('summary', { hasText: '"items"' }).click();
  });

  it('searches within the loaded records, tails live, and shows binary values as hex', async () => {
    // More records from another producer: text, JSON and binary, over all partitions.
    const records = [
      ...Array.from({ length: 12 }, (_, i) => ({ key: Buffer.from(`customer-${i % 4}`).toString('base64'), value: Buffer.from(JSON.stringify({ order: 5000 + i, total: (i * 7.25).toFixed(2) })).toString('base64') })),
      { key: Buffer.from('plain').toString('base64'), value: Buffer.from('just some text').toString('base64'), partition: 0 },
      { value: Buffer.from([0x00, 0xff, 0x10, 0x80]).toString('base64'), partition: 0 },
    ];
    expect((await call(host.url, 'POST', `/v1/topics/${TOPIC}/records`, { records })).status).toBe(200);
    await page.getByRole('button', { name: 'Load' }).click();
    await page.getByText('15 records loaded').waitFor();
    expect(await page.locator('tr[data-offset]').filter({ hasText: '00 ff 10 80' }).count()).toBe(1);
    expect(await page.locator('tr[data-offset]').filter({ hasText: 'just some text' }).count()).toBe(1);

    // Start at an offset, and at a time after everything.
    await page.locator('select[name="partition"]').selectOption('0');
    await page.locator('select[name="from"]').selectOption('offset');
    await page.getByLabel('Offset', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Load' }).click();
    await page.getByText('2 records loaded').waitFor();
    expect(await page.locator('tr[data-offset]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-offset')))).toEqual(['3', '4']);
    await page.locator('select[name="from"]').selectOption('time');
    const later = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    await page.getByLabel('From time').fill(later);
    await page.getByRole('button', { name: 'Load' }).click();
    await page.getByText('No records here.').waitFor();
    await page.locator('select[name="from"]').selectOption('end');
    await page.locator('select[name="partition"]').selectOption('all');
    await page.getByText('15 records loaded').waitFor();

    await page.getByRole('searchbox', { name: 'Search loaded records' }).fill('5003');
    await page.getByText('1 of 15 loaded records match').waitFor();
    await page.getByRole('searchbox', { name: 'Search loaded records' }).fill('no such thing');
    await page.getByText('No loaded record matches the search.').waitFor();
    await page.getByRole('searchbox', { name: 'Search loaded records' }).fill('');

    await page.getByRole('switch', { name: 'Live tail' }).check();
    await call(host.url, 'POST', `/v1/topics/${TOPIC}/records`, { encoding: 'utf8', records: [{ key: 'late', value: '{"arrived":"while tailing"}', partition: 2 }] });
    await page.locator('tr[data-offset]').filter({ hasText: 'while tailing' }).waitFor({ timeout: 15_000 });
    await page.getByRole('switch', { name: 'Live tail' }).uncheck();

    await page.locator('tr[data-partition="1"][data-offset="0"]').getByRole('button', { name: 'Show record 1/0' }).click();
    await page.getByTestId('json').waitFor();
    await shot('messages');
  });

  it('shows partitions, offsets, segments and a throughput sparkline on the topic page', async () => {
    await page.goto(`${host.url}/console/#/topics/${TOPIC}`);
    await page.getByTestId('records').waitFor();
    expect(await page.getByTestId('records').innerText()).toBe('16');
    // A steady trickle of records so the sparkline has something to show.
    for (let i = 0; i < 10; i++) {
      await call(host.url, 'POST', `/v1/topics/${TOPIC}/records`, { encoding: 'utf8', records: Array.from({ length: 5 + ((i * 7) % 30) }, (_, j) => ({ value: `tick ${i}.${j}` })) });
      await page.waitForTimeout(1000);
    }
    await page.locator('.chart canvas').first().waitFor();
    await page.getByText(/now \d+ records\/s/).waitFor();
    const rows = await page.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(PARTITIONS);
    await shot('topic');
  });

  it('lists topics with records and retention', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topics' }).click();
    const row = page.locator(`tr[data-topic="${TOPIC}"]`);
    await row.waitFor();
    const described = (await call(host.url, 'GET', `/v1/topics/${TOPIC}`)).body as { partitionOffsets: Array<{ highWatermark: number; logStartOffset: number }> };
    const records = described.partitionOffsets.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0);
    expect(await row.locator('[data-col="records"]').innerText()).toBe(records.toLocaleString('en-US'));
    expect(await row.innerText()).toContain('3d');
    // A second topic so the list is a list.
    await call(host.url, 'POST', '/v1/topics', { name: 'payments.v2', partitions: 6, config: { retentionMs: -1, retentionBytes: 1_073_741_824 } });
    await call(host.url, 'POST', '/v1/topics', { name: 'clickstream', partitions: 12, config: { retentionMs: 3_600_000 } });
    await page.reload();
    await page.locator('tr[data-topic="payments.v2"]').waitFor();
    expect(await page.locator('tr[data-topic="payments.v2"]').innerText()).toContain('forever');
    await shot('topics');
  });

  it("shows a consumer group's lag, and sees it drop to 0 once the group has consumed", async () => {
    // A consumer over HTTP, as the SDK's consumer does it: join, acknowledge the assignment, commit.
    const joined = await call(host.url, 'POST', `/v1/groups/${GROUP}/heartbeat`, { memberEpoch: 0, topics: [TOPIC], sessionTimeoutMs: 60_000 });
    expect(joined.status).toBe(200);
    const { memberId, memberEpoch } = joined.body as { memberId: string; memberEpoch: number };
    const acked = await call(host.url, 'POST', `/v1/groups/${GROUP}/heartbeat`, { memberId, memberEpoch, topics: [TOPIC] });
    expect(acked.body.assignment).toEqual([{ topic: TOPIC, partitions: [0, 1, 2] }]);
    const epoch = acked.body.memberEpoch as number;
    const hw = ((await call(host.url, 'GET', `/v1/topics/${TOPIC}`)).body as { partitionOffsets: Array<{ partition: number; highWatermark: number }> }).partitionOffsets;
    const commit = (offsets: (p: number, hw: number) => number) =>
      call(host.url, 'POST', `/v1/groups/${GROUP}/offsets`, { memberId, memberEpoch: epoch, offsets: hw.map((p) => ({ topic: TOPIC, partition: p.partition, offset: offsets(p.partition, p.highWatermark) })) });
    // Half way through every partition first.
    expect((await commit((_p, h) => Math.floor(h / 2))).status).toBe(200);
    const total = hw.reduce((n, p) => n + p.highWatermark, 0);
    const behind = hw.reduce((n, p) => n + p.highWatermark - Math.floor(p.highWatermark / 2), 0);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consumer groups' }).click();
    const row = page.locator(`tr[data-group="${GROUP}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Stable');
    expect(await row.locator('[data-col="lag"]').innerText()).toBe(behind.toLocaleString('en-US'));
    await row.getByRole('link', { name: GROUP }).click();
    const lag = page.getByTestId('total-lag');
    await lag.waitFor();
    expect(await lag.innerText()).toBe(behind.toLocaleString('en-US'));
    expect(await page.getByTestId('members').innerText()).toContain(`${TOPIC}: 0, 1, 2`);
    await page.waitForTimeout(4500); // a few lag samples before it falls

    // Consume the rest: commit the high watermarks; the page's poll sees lag 0.
    expect((await commit((_p, h) => h)).status).toBe(200);
    await expect.poll(() => page.getByTestId('total-lag').innerText(), { timeout: 15_000 }).toBe('0');
    for (const cell of await page.locator('[data-testid="offsets"] [data-col="lag"]').allInnerTexts()) expect(cell).toBe('0');
    await page.waitForTimeout(2500);
    await shot('group');
    expect(total).toBeGreaterThan(behind);

    // A reset while the member is live: the API refuses, and the page says so in the API's words.
    await page.getByRole('button', { name: 'Reset offsets' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Preview (dry run)' }).click();
    await dialog.getByTestId('reset-preview').waitFor();
    await dialog.getByRole('button', { name: 'Reset offsets' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/^NON_EMPTY_GROUP: .*live member/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // The consumer leaves.
    expect((await call(host.url, 'POST', `/v1/groups/${GROUP}/heartbeat`, { memberId, memberEpoch: -1, topics: [TOPIC] })).status).toBe(200);
  });

  it("resets the group's offsets to earliest after a dry-run preview", async () => {
    await page.getByText('No live members.').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Reset offsets' }).click();
    const dialog = page.getByRole('dialog');
    // Nothing can be applied before a preview.
    expect(await dialog.getByRole('button', { name: 'Reset offsets' }).isDisabled()).toBe(true);
    // To an offset: clamped into each partition's range, as the server does.
    await dialog.locator('select[name="mode"]').selectOption('offset');
    await dialog.getByLabel('Offset (every partition)').fill('56');
    await dialog.getByRole('button', { name: 'Preview (dry run)' }).click();
    await dialog.getByTestId('reset-preview').waitFor();
    const bounds = ((await call(host.url, 'GET', `/v1/topics/${TOPIC}`)).body as { partitionOffsets: Array<{ highWatermark: number }> }).partitionOffsets;
    expect(await dialog.getByTestId('reset-preview').locator('[data-col="next"]').allInnerTexts()).toEqual(bounds.map((p) => String(Math.min(56, p.highWatermark))));
    expect(await dialog.getByRole('button', { name: 'Reset offsets' }).isEnabled()).toBe(true);
    // Changing the choice invalidates the preview.
    await dialog.locator('select[name="mode"]').selectOption('earliest');
    expect(await dialog.getByTestId('reset-preview').count()).toBe(0);
    expect(await dialog.getByRole('button', { name: 'Reset offsets' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Preview (dry run)' }).click();
    const preview = dialog.getByTestId('reset-preview');
    await preview.waitFor();
    expect(await preview.locator('[data-col="next"]').allInnerTexts()).toEqual(['0', '0', '0']);
    // The dry run changed nothing.
    const before = (await call(host.url, 'GET', `/v1/groups/${GROUP}/offsets`)).body as { offsets: Array<{ lag: number }> };
    expect(before.offsets.every((o) => o.lag === 0)).toBe(true);
    await shot('reset-preview');

    await dialog.getByRole('button', { name: 'Reset offsets' }).click();
    await page.getByText(`Offsets of ${GROUP} on ${TOPIC} were reset.`).waitFor();
    const after = (await call(host.url, 'GET', `/v1/groups/${GROUP}/offsets`)).body as { offsets: Array<{ offset: number; highWatermark: number; lag: number }> };
    expect(after.offsets.map((o) => o.offset)).toEqual([0, 0, 0]);
    const hwTotal = after.offsets.reduce((n, o) => n + o.highWatermark, 0);
    await expect.poll(() => page.getByTestId('total-lag').innerText(), { timeout: 10_000 }).toBe(hwTotal.toLocaleString('en-US'));
  });

  it('follows the system dark mode', async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    const p = await dark.newPage();
    watch(p);
    try {
      await p.goto(`${host.url}/console/#/groups/${GROUP}`);
      await p.getByTestId('total-lag').waitFor();
      const bg = await p.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      const [r, g, b] = bg.match(/\d+/g)!.map(Number);
      expect(r! + g! + b!).toBeLessThan(3 * 80);
      await p.waitForTimeout(2500);
      await shot('group-dark', p);
    } finally {
      await dark.close();
    }
  });

  it('deletes the topic after its name is typed', async () => {
    await page.goto(`${host.url}/console/#/topics`);
    const row = page.locator(`tr[data-topic="${TOPIC}"]`);
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete topic' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(`${TOPIC}x`);
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(TOPIC);
    await confirm.click();
    await row.waitFor({ state: 'detached' });
    expect((await call(host.url, 'GET', `/v1/topics/${TOPIC}`)).status).toBe(404);
  });

  it('reported no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
