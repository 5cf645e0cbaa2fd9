import { describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import { HttpTransport } from '../../src/transport/http.js';
import { LambdaTransport } from '../../src/transport/lambda.js';
import { AdaptiveLinger, AWS_PRODUCER_DEFAULTS, LOCAL_PRODUCER_DEFAULTS } from '../../src/producer/linger.js';
import { MAX_REQUEST_BYTES } from '../../src/producer/producer.js';
import type { TransportRequest, TransportResponse } from '../../src/transport/types.js';
import { InProcessEddy } from '../support/in-process-eddy.js';
import { waitFor } from '../support/helpers.js';

const isProduce = (r: TransportRequest): boolean => r.method === 'POST' && r.path.endsWith('/records');

describe('AdaptiveLinger policy', () => {
  it('doubles after small requests with records queued behind, never above the cap', () => {
    const l = new AdaptiveLinger({ minMs: 5, maxMs: 1000 });
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      l.afterRequest(10_000, 6_000_000, true);
      seen.push(l.ms);
    }
    expect(seen.slice(0, 8)).toEqual([10, 20, 40, 80, 160, 320, 640, 1000]);
    expect(Math.max(...seen)).toBe(1000);
  });

  it('resets to the minimum when a request fills, and halves when nothing queued behind', () => {
    const l = new AdaptiveLinger({ minMs: 5, maxMs: 1000 });
    for (let i = 0; i < 10; i++) l.afterRequest(100, 1000, true);
    expect(l.ms).toBe(1000);
    l.afterRequest(100, 1000, false);
    expect(l.ms).toBe(500);
    l.afterRequest(950, 1000, true);
    expect(l.ms).toBe(5);
  });

  it('rejects a cap below the minimum', () => {
    expect(() => new AdaptiveLinger({ minMs: 50, maxMs: 10 })).toThrow(/cap/);
  });
});

describe('transport profiles', () => {
  it('is aws for HTTPS to AWS and for the regional Lambda API, local for the local host and custom transports', () => {
    expect(new Eddy({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com' }).profile).toBe('aws');
    expect(new Eddy({ endpoint: 'http://127.0.0.1:4000' }).profile).toBe('local');
    expect(new Eddy({ transport: new LambdaTransport({ region: 'eu-west-1' }) }).profile).toBe('aws');
    expect(new Eddy({ transport: new LambdaTransport({ endpoint: 'http://localhost:4000' }) }).profile).toBe('local');
    expect(new Eddy({ transport: new HttpTransport({ endpoint: 'http://localhost:4000' }) }).profile).toBe('local');
    expect(new Eddy({ transport: new InProcessEddy() }).profile).toBe('local');
  });

  it('gives producers the profile defaults: adaptive linger on AWS, a fixed 5 ms locally', () => {
    expect(AWS_PRODUCER_DEFAULTS.batchBytes).toBe(MAX_REQUEST_BYTES);
    expect(LOCAL_PRODUCER_DEFAULTS).toEqual({ lingerMs: 5, batchBytes: 1_048_576 });
    const aws = new Eddy({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com' });
    expect(aws.producer().stats().lingerMs).toBe(AWS_PRODUCER_DEFAULTS.lingerMs);
    expect(() => aws.producer({ adaptiveLinger: { maxMs: 1 }, lingerMs: 10 })).toThrow(RangeError);
    expect(() => aws.producer({ profile: 'cloud' as 'aws' })).toThrow(/profile/);
  });
});

/** An in-process Eddy whose produce requests wait until the test releases them. */
function gated(): { eddyServer: InProcessEddy; held: Array<() => void>; eddy: Eddy; open: () => void } {
  const eddyServer = new InProcessEddy();
  const held: Array<() => void> = [];
  let gate = true;
  eddyServer.faults.push((req, apply) => {
    if (!isProduce(req) || !gate) return undefined;
    return new Promise<void>((r) => held.push(r)).then(apply) as Promise<TransportResponse>;
  });
  const open = (): void => {
    gate = false;
    while (held.length) held.shift()!();
  };
  return { eddyServer, held, eddy: new Eddy({ transport: eddyServer }), open };
}

describe('Producer with adaptive linger', () => {
  it('grows the linger under a trickle with one request in flight, up to the cap, and resets it when a request fills', async () => {
    const { eddyServer, held, eddy, open } = gated();
    await eddyServer.createTopic('t', 1);
    const producer = eddy.producer({ profile: 'aws', adaptiveLinger: { maxMs: 80 }, batchBytes: 4000 });
    const lingers: number[] = [producer.stats().lingerMs];
    const sends: Promise<unknown>[] = [];
    sends.push(producer.send({ topic: 't', messages: [{ value: 'first' }] }));
    for (let round = 0; round < 7; round++) {
      await waitFor(() => held.length === 1); // one request in flight
      // The trickle goes on while it is in flight: records queue behind it.
      sends.push(producer.send({ topic: 't', messages: [{ value: `r${round}` }] }));
      held.shift()!();
      await waitFor(() => producer.stats().lingerMs !== lingers.at(-1) || lingers.at(-1) === 80);
      lingers.push(producer.stats().lingerMs);
    }
    expect(lingers.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(Math.max(...lingers)).toBe(80);
    // A request that fills its batch resets the linger.
    await waitFor(() => held.length === 1);
    sends.push(producer.send({ topic: 't', messages: Array.from({ length: 40 }, (_, i) => ({ value: `${i}`.padEnd(150, '.') })) }));
    held.shift()!();
    await waitFor(() => held.length === 1); // the full request, sent without waiting for the 80 ms linger
    held.shift()!();
    await waitFor(() => producer.stats().lingerMs === 5, 10_000, 'the linger to reset after a full request');
    open();
    await Promise.all(sends);
    expect(await eddyServer.values('t', 0)).toHaveLength(1 + 7 + 40);
    await producer.disconnect();
  });

  it('keeps a fixed linger with the local profile, under the same trickle', async () => {
    const { eddyServer, held, eddy, open } = gated();
    await eddyServer.createTopic('t', 1);
    const producer = eddy.producer({ profile: 'local' });
    const sends: Promise<unknown>[] = [producer.send({ topic: 't', messages: [{ value: 'first' }] })];
    for (let round = 0; round < 4; round++) {
      await waitFor(() => held.length === 1);
      sends.push(producer.send({ topic: 't', messages: [{ value: `r${round}` }] }));
      held.shift()!();
    }
    open();
    await Promise.all(sends);
    expect(producer.stats().lingerMs).toBe(5);
    await producer.disconnect();
  });

  it('flush() sends at once, whatever the linger', async () => {
    const eddyServer = new InProcessEddy();
    await eddyServer.createTopic('t', 2);
    const producer = new Eddy({ transport: eddyServer }).producer({ profile: 'aws', lingerMs: 120_000, adaptiveLinger: { maxMs: 240_000 } });
    const sent = producer.send({ topic: 't', messages: [{ partition: 0, value: '1' }, { partition: 1, value: '2' }] });
    await new Promise((r) => setTimeout(r, 20));
    expect(eddyServer.log.filter((l) => isProduce(l.request))).toHaveLength(0); // still lingering
    await producer.flush();
    expect(eddyServer.log.filter((l) => isProduce(l.request))).toHaveLength(1);
    expect(await sent).toHaveLength(2);
    await producer.disconnect();
  });
});
