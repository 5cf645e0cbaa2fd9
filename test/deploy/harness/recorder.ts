/**
 * A recording proxy in front of the stand-ins, one per function: the
 * function's `AWS_ENDPOINT_URL` points here, so every AWS call its bundle
 * makes arrives here first. Each request is mapped to the IAM action and
 * resource ARN AWS would authorize it as, decided against the function's
 * synthesized policy, recorded, and then either forwarded unchanged to
 * dynalite / s3rver or answered with the AccessDenied error AWS would send.
 *
 * Nothing here runs in production: the bundle only sees an endpoint override,
 * the same kind LocalStack injects.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCall, Decision, PolicyEvaluator } from './iam.js';
import { ACCOUNT, REGION } from './template.js';

/** Where the stand-ins listen. */
export interface StandinEndpoints {
  readonly dynamodb: URL;
  readonly s3: URL;
}

/** A call as the proxy saw it, with the simulator's decision. */
export interface RecordedCall extends AwsCall {
  readonly decision: Decision;
}

/** What one HTTP request asks IAM for; `unknown` when the proxy cannot tell (the check fails on it). */
export type Authorization = { service: 'dynamodb' | 's3'; actions: Array<{ action: string; resource: string; context?: Record<string, string[]> }> } | { unknown: string };

const DYNAMODB_TARGET = /^DynamoDB_20120810\.(\w+)$/;

/** Every Eddy table's partition key (core/schema.ts). */
const PARTITION_KEY = 'pk';

type AttributeValue = { S?: string };
interface DynamoInput {
  TableName?: string;
  Key?: Record<string, AttributeValue>;
  Item?: Record<string, AttributeValue>;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  RequestItems?: Record<string, Array<{ PutRequest?: { Item: Record<string, AttributeValue> }; DeleteRequest?: { Key: Record<string, AttributeValue> } }>>;
}

/**
 * The partition keys an item-level request touches, as IAM's
 * `dynamodb:LeadingKeys` condition key sees them; undefined for a request
 * without one (Scan). A Query's comes from its key condition `pk = :v`.
 */
function leadingKeys(input: DynamoInput, items: NonNullable<DynamoInput['RequestItems']>[string] = []): string[] | undefined {
  const fromItem = (i?: Record<string, AttributeValue>): string | undefined => i?.[PARTITION_KEY]?.S;
  const keys = [fromItem(input.Key), fromItem(input.Item), ...items.map((r) => fromItem(r.PutRequest?.Item ?? r.DeleteRequest?.Key))];
  if (input.KeyConditionExpression) {
    const names = input.ExpressionAttributeNames ?? {};
    for (const m of input.KeyConditionExpression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const name = m[1]!.startsWith('#') ? names[m[1]!] : m[1];
      if (name === PARTITION_KEY) keys.push(input.ExpressionAttributeValues?.[m[2]!]?.S);
    }
  }
  const found = keys.filter((k): k is string => k !== undefined);
  return found.length > 0 ? [...new Set(found)] : undefined;
}

/** Maps a DynamoDB JSON request to IAM actions on table ARNs, with the `dynamodb:LeadingKeys` it touches. */
function dynamodbAuthorization(operation: string, body: Buffer): Authorization {
  const input = JSON.parse(body.toString('utf8') || '{}') as DynamoInput;
  const tables = input.TableName !== undefined ? [input.TableName] : Object.keys(input.RequestItems ?? {});
  if (tables.length === 0) return { unknown: `dynamodb ${operation} names no table` };
  return {
    service: 'dynamodb',
    actions: tables.map((t) => {
      const keys = leadingKeys(input, input.RequestItems?.[t] ?? []);
      return { action: `dynamodb:${operation}`, resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${t}`, ...(keys ? { context: { 'dynamodb:LeadingKeys': keys } } : {}) };
    }),
  };
}

/**
 * Maps a path-style S3 request to IAM actions. A virtual-host request (bucket
 * in the host name) arrives with the bucket missing from the path and is
 * reported as unknown: the functions must address S3 path-style here.
 */
function s3Authorization(method: string, url: URL, body: Buffer): Authorization {
  const [, bucket, ...keyParts] = url.pathname.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  if (!bucket) return { unknown: `s3 ${method} ${url.pathname}: no bucket in the path (virtual-host addressing?)` };
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = (k: string): string => `${bucketArn}/${k}`;
  if (key === '') {
    if (method === 'GET' && [...url.searchParams.keys()].every((k) => ['list-type', 'prefix', 'continuation-token', 'max-keys', 'start-after', 'delimiter', 'encoding-type', 'x-id'].includes(k))) {
      return { service: 's3', actions: [{ action: 's3:ListBucket', resource: bucketArn }] };
    }
    if (method === 'HEAD') return { service: 's3', actions: [{ action: 's3:ListBucket', resource: bucketArn }] };
    if (method === 'POST' && url.searchParams.has('delete')) {
      // DeleteObjects is authorized as s3:DeleteObject on each key.
      const keys = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
      return { service: 's3', actions: keys.map((k) => ({ action: 's3:DeleteObject', resource: objectArn(k) })) };
    }
    return { unknown: `s3 ${method} ${url.pathname}${url.search}` };
  }
  if (url.searchParams.has('uploads') || url.searchParams.has('uploadId') || url.searchParams.has('tagging') || url.searchParams.has('acl')) {
    return { unknown: `s3 ${method} ${url.pathname}${url.search}` };
  }
  switch (method) {
    case 'GET':
    case 'HEAD':
      return { service: 's3', actions: [{ action: 's3:GetObject', resource: objectArn(key) }] };
    case 'PUT':
      return { service: 's3', actions: [{ action: 's3:PutObject', resource: objectArn(key) }] };
    case 'DELETE':
      return { service: 's3', actions: [{ action: 's3:DeleteObject', resource: objectArn(key) }] };
    default:
      return { unknown: `s3 ${method} ${url.pathname}${url.search}` };
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** What a request asks IAM for. */
export function authorization(req: { method: string; url: string; headers: IncomingMessage['headers'] }, body: Buffer): Authorization {
  const target = req.headers['x-amz-target'];
  const url = new URL(req.url, 'http://proxy');
  if (typeof target === 'string') {
    const m = DYNAMODB_TARGET.exec(target);
    return m ? dynamodbAuthorization(m[1]!, body) : { unknown: `x-amz-target ${target}` };
  }
  return s3Authorization(req.method, url, body);
}

function deny(res: ServerResponse, service: 'dynamodb' | 's3', principal: string, action: string, resource: string): void {
  const message = `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  if (service === 'dynamodb') {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }));
  } else {
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`);
  }
}

/** SigV4 time stamp format. */
function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** A running proxy for one function. */
export interface Recorder {
  readonly endpoint: string;
  /** Every call so far, in order. */
  readonly calls: RecordedCall[];
  /** Requests the proxy could not map to an IAM action. */
  readonly unknown: string[];
  /** Label recorded with the calls from now on. */
  scenario: string;
  close(): Promise<void>;
}

/**
 * Starts a recording proxy for one function.
 * @param fn - the function's name, recorded with each call
 * @param evaluator - decides each call against the function's policy
 * @param standins - where allowed requests go
 */
export async function startRecorder(fn: string, evaluator: PolicyEvaluator, standins: StandinEndpoints): Promise<Recorder> {
  const calls: RecordedCall[] = [];
  const unknown: string[] = [];
  const state = { scenario: '' };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const auth = authorization({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, body);
    if ('unknown' in auth) {
      unknown.push(auth.unknown);
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`deploy check: cannot map this request to an IAM action: ${auth.unknown}`);
      return;
    }
    let denied: { action: string; resource: string } | undefined;
    for (const a of auth.actions) {
      const decision = await evaluator.decide(a.action, a.resource, a.context);
      calls.push({ fn, action: a.action, resource: a.resource, by: 'bundle', scenario: state.scenario, decision });
      if (decision !== 'Allowed') denied ??= a;
    }
    if (denied) {
      deny(res, auth.service, evaluator.principal, denied.action, denied.resource);
      return;
    }
    const target = auth.service === 'dynamodb' ? standins.dynamodb : standins.s3;
    const headers = { ...req.headers };
    // A time-shifted maintenance pass signs with its shifted clock; s3rver
    // rejects a skew over 15 minutes, so the proxy restamps the request time
    // (s3rver runs with allowMismatchedSignatures for this reason alone).
    if (typeof headers['x-amz-date'] === 'string' && Math.abs(Date.parse(headers['x-amz-date'].replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.now()) > 60_000) {
      headers['x-amz-date'] = amzDate(new Date());
    }
    await new Promise<void>((resolve, reject) => {
      const out = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('end', resolve);
          up.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      unknown.push(`proxy failure: ${String(err)}`);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    unknown,
    get scenario() {
      return state.scenario;
    },
    set scenario(s: string) {
      state.scenario = s;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
