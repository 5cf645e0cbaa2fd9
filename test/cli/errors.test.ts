/**
 * How the CLI fails: one line on stderr with the API's code (exit 1), usage
 * mistakes exit 2, an unreachable endpoint is named, and never a stack
 * trace. Also: every command's --help carries an example.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, unique } from '../helpers/host.js';
import { isOneLineError, runCli } from './helpers.js';

/** Each CLI run starts a Node process with tsx (~1 s, more on a busy 2-core machine). */
const TIMEOUT = 120_000;

let host: Awaited<ReturnType<typeof testHost>>;
let endpoint: string;
const eddy = (args: string[], input?: string) => runCli(args, { endpoint, ...(input !== undefined ? { input } : {}) });

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  host = await testHost();
  endpoint = host.url;
});

afterAll(async () => {
  await host?.cleanup();
});

describe.concurrent('eddy errors', () => {
  it('reports API errors as CODE: message on one line, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['topics', 'describe', 'no-such-topic'], /^eddy: UNKNOWN_TOPIC_OR_PARTITION: /],
      [['consume', 'no-such-topic', '-e'], /^eddy: UNKNOWN_TOPIC_OR_PARTITION: /],
      [['produce', 'no-such-topic'], /^eddy: UNKNOWN_TOPIC_OR_PARTITION: /],
      [['topics', 'create', 'bad name!'], /^eddy: INVALID_TOPIC: /],
      [['topics', 'create', 'x'.repeat(250)], /^eddy: INVALID_TOPIC: /],
      [['topics', 'create', unique('cli-err'), '--partitions', '5000'], /^eddy: INVALID_PARTITIONS: /],
      [['groups', 'describe', 'no-such-group'], /^eddy: GROUP_NOT_FOUND: /],
    ];
    const results = await Promise.all(cases.map(([args]) => eddy(args, 'x\n')));
    results.forEach((r, i) => {
      const [args, pattern] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stdout).toBe('');
    });
  }, TIMEOUT);

  it('names an unreachable endpoint in one line, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['topics', 'list'], { endpoint: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`eddy: cannot reach ${url} (ECONNREFUSED)\n`);

    const viaFlag = await runCli(['--endpoint', url, 'consume', 'orders', '-e']);
    expect(viaFlag.stderr).toBe(`eddy: cannot reach ${url} (ECONNREFUSED)\n`);
  }, TIMEOUT);

  it('says in one line that a server answering HTML is not Eddy (issue: it printed the page)', async () => {
    const page = (title: string): string => `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body>${'<p>lorem ipsum</p>\n'.repeat(50)}</body></html>`;
    const server = createHttpServer((req, res) => {
      const found = req.url === '/v1/topics';
      res.writeHead(found ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(found ? 'Welcome to nginx!' : '404 Not Found'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const [ok, missing] = await Promise.all([runCli(['topics', 'list'], { endpoint: url }), runCli(['topics', 'describe', 'orders'], { endpoint: url })]);
      for (const [r, title, status] of [
        [ok, 'Welcome to nginx!', 200],
        [missing, '404 Not Found', 404],
      ] as const) {
        expect(r.code).toBe(1);
        expect(isOneLineError(r.stderr), r.stderr).toBe(true);
        expect(r.stderr).toContain(`${url} answered HTTP ${status} with an HTML page titled "${title}", not Eddy's JSON API`);
        expect(r.stderr).not.toContain('<');
        expect(r.stdout).toBe('');
      }
    } finally {
      server.close();
    }
  }, TIMEOUT);

  it('rejects command-line mistakes with exit 2, before any request', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const cases: [string[], RegExp][] = [
      [['topics', 'create'], /missing required argument 'name'/],
      [['topics', 'create', 'x', '--partitions', 'many'], /--partitions/],
      [['topics', 'create', 'x', '--config', 'segment.ms=1'], /unknown topic setting "segment.ms"/],
      [['topics', 'alter', 'x'], /needs --partitions and\/or --config/],
      [['consume', 'x', '-o', 'soon'], /-o, --offset/],
      [['consume', 'x', '-f', '%q'], /unknown format token %q/],
      [['consume', 'x', '-g', 'g', '-p', '1'], /-p cannot be used with -g/],
      [['consume', 'x', '-g', 'g', '-o', '5'], /reset-offsets/],
      [['consume', 'x', '--json', '-f', '%s'], /cannot be used with/],
      [['groups', 'reset-offsets', 'g', '--topic', 'x'], /exactly one of --to-earliest/],
      [['groups', 'reset-offsets', 'g', '--topic', 'x', '--to-datetime', 'yesterday'], /ISO-8601/],
      [['topics', 'list', '--endpoint', 'not a url'], /endpoint must be an http\(s\) URL/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['topics', 'list', '--bogus'], /unknown option '--bogus'/],
      // Did you mean …, on the same line (issue 18, item 14).
      [['topic', 'list'], /^eddy: unknown command 'topic' \(did you mean topics\?\)\n$/],
      [['consume', 'x', '--from-begining'], /^eddy: unknown option '--from-begining' \(did you mean --from-beginning\?\)\n$/],
      [['consume', 'x', '--bootstrap-server', 'localhost:9092'], /use --endpoint <url> or EDDY_ENDPOINT/],
      [['consume', '--topic', 'x', '--from-beginning', '-o', 'end'], /'--from-beginning' cannot be used with option '-o, --offset <start>'/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, { endpoint: unreachable })));
    results.forEach((r, i) => {
      const [args, pattern] = cases[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    });
  }, TIMEOUT);

  it('refuses a line longer than the topic allows, naming the line', async () => {
    const topic = unique('cli-err');
    expect((await eddy(['topics', 'create', topic, '--config', 'max.message.bytes=100'])).code).toBe(0);
    const r = await eddy(['produce', topic], `short\n${'x'.repeat(500)}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^eddy: MESSAGE_TOO_LARGE: line 2/);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
  }, TIMEOUT);

  it('has --help with an example on every command', async () => {
    const commands = [
      [],
      ['dev'],
      ['topics'],
      ['topics', 'create'],
      ['topics', 'list'],
      ['topics', 'describe'],
      ['topics', 'alter'],
      ['topics', 'delete'],
      ['produce'],
      ['consume'],
      ['groups'],
      ['groups', 'list'],
      ['groups', 'describe'],
      ['groups', 'reset-offsets'],
      ['groups', 'delete'],
      ['maintenance'],
      ['maintenance', 'run'],
    ];
    const results = await Promise.all(commands.map((c) => runCli([...c, '--help'])));
    results.forEach((r, i) => {
      const name = ['eddy', ...commands[i]!].join(' ');
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(/^Usage: eddy/);
      expect(r.stdout, name).toMatch(new RegExp(`Examples:\\n {2}\\$ [^\\n]*${name}`));
    });
  }, TIMEOUT);
});
