/**
 * `eddy maintenance run` and `EDDY_RETENTION_MIN_AGE_MS` (issue: retention
 * could not be watched locally: entries younger than 60 s never expired,
 * the pass ran every 60 s, and nothing ran it on demand). The host runs as
 * `eddy dev` does, so the setting travels the user's way: environment →
 * local host → maintenance; the pass is invoked through the Lambda Invoke
 * API on the host's port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostProcess, type HostProcess } from '../helpers/host.js';
import { isOneLineError, parseTable, runCli } from './helpers.js';

let dev: HostProcess;
let endpoint: string;
const eddy = (args: string[], input?: string) => runCli(args, { endpoint, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  dev = hostProcess({ command: 'eddy dev', env: { EDDY_RETENTION_MIN_AGE_MS: '0' } });
  endpoint = await dev.url;
}, 90_000);

afterAll(() => dev?.stop());

describe('eddy maintenance run', () => {
  it('expires records older than retention.ms on demand when the minimum age is lowered', async () => {
    expect(dev.stderr()).toContain('entries older than 0 ms may expire (EDDY_RETENTION_MIN_AGE_MS)');
    expect((await eddy(['topics', 'create', 'short-lived', '--config', 'retention.ms=1000'])).code).toBe(0);
    expect((await eddy(['produce', 'short-lived'], 'a\nb\nc\n')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));

    const run = await eddy(['maintenance', 'run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^maintenance pass over \d+ topics? in \d+ ms\n/);
    expect(run.stdout).toMatch(/retention {3}1 entry expired \(\d+ B\)/);

    const described = await eddy(['topics', 'describe', 'short-lived']);
    expect(parseTable(described.stdout, 'PARTITION')[0]).toMatchObject({ 'LOG-START-OFFSET': '3', 'HIGH-WATERMARK': '3', RECORDS: '0' });

    // --json is the function's report as it is.
    const json = await eddy(['maintenance', 'run', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ entriesExpired: 0, errors: [] });
  }, 120_000);

  it('refuses, in one line, an HTTP API endpoint that cannot serve Lambda invokes', async () => {
    const r = await runCli(['maintenance', 'run'], { endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com' });
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain('--transport lambda');
  }, 60_000);
});
