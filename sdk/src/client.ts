/**
 * The thin client: one method per route of the HTTP API v1 (docs/design.md §8),
 * Kinesis-style, over either transport, with typed errors and retries of
 * retryable failures. The batching producer and the group consumer are built
 * on it (`eddy.producer()`, `eddy.consumer()`).
 */
import type { WireProduceAnswer } from '@eddy/api';
import { errorFromResponse, EddyError } from './errors.js';
import { BATCHES_MEDIA_TYPE, decodeBinaryFetch, decodeBinaryFetchBytes, encodeBinaryProduce, jsonFetchToBytes, SDK_ACCEPT, type WireFormat } from './wire.js';
import { Consumer } from './consumer/consumer.js';
import type { ConsumerOptions } from './consumer/types.js';
import { Producer, type ProducerOptions } from './producer/producer.js';
import { NO_RETRY, RetryPolicy, type RetryOptions } from './retry.js';
import type { AwsCredentialsInput } from './transport/credentials.js';
import { HttpTransport, type SigningMode } from './transport/http.js';
import { LambdaTransport, type FunctionNames, type LambdaInvoker } from './transport/lambda.js';
import type { RequestHooks, Transport, TransportRequest } from './transport/types.js';
import { transportProfile, type TransportProfile } from './transport/profile.js';
import type {
  AlterTopicInput,
  EddyApi,
  CallOptions,
  CommitOffsetsInput,
  CommitOffsetsOutput,
  CreateTopicInput,
  Encoding,
  FetchOffsetsInput,
  FetchOffsetsOutput,
  GetRecordsBytesInput,
  GetRecordsBytesOutput,
  GetRecordsInput,
  GetRecordsOutput,
  GroupDescription,
  GroupInput,
  GroupSummary,
  HeartbeatInput,
  HeartbeatOutput,
  ListOffsetsInput,
  ListOffsetsOutput,
  PutRecord,
  PutRecordsInput,
  PutRecordResult,
  PutRecordsOutput,
  ResetOffsetsInput,
  TopicDescription,
  TopicInput,
  TopicSummary,
} from './types.js';

/** Options of {@link Eddy}. */
export interface EddyOptions {
  /**
   * For `transport: 'http'`, the API's base URL (`https://…execute-api…/stage`
   * or the local host `http://127.0.0.1:4000`); for `transport: 'lambda'`, an
   * optional Lambda API endpoint override (e.g. the local host).
   * `undefined` (as `process.env.EDDY_ENDPOINT` is when unset) means the default.
   * @default process.env.EDDY_ENDPOINT, else (http) {@link DEFAULT_ENDPOINT}, the local host of `npm start`
   */
  readonly endpoint?: string;
  /** How requests travel: HTTPS, direct Lambda invoke, or a custom {@link Transport}. @default 'http' */
  readonly transport?: 'http' | 'lambda' | Transport;
  /** SigV4 signing of HTTPS requests. @default 'auto' (sign when credentials exist, never for 127.0.0.1/localhost) */
  readonly signing?: SigningMode;
  /** AWS region for signing and Lambda. @default from the endpoint host, else AWS_REGION, else 'us-east-1' */
  readonly region?: string;
  /** AWS credentials. @default the AWS SDK's standard provider chain */
  readonly credentials?: AwsCredentialsInput;
  /** Lambda transport settings. */
  readonly lambda?: {
    /** Function names per API family. @default eddy-produce, eddy-fetch, eddy-groups, eddy-admin */
    readonly functions?: Partial<FunctionNames>;
    /** A ready Lambda client. @default a new `LambdaClient` */
    readonly client?: LambdaInvoker;
  };
  /** Time limit of one request attempt (fetches add their `waitMs`). @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Retries of retryable failures for every call of this client. @default {@link DEFAULT_RETRY} */
  readonly retry?: RetryOptions;
  /** Observers of every request attempt (metrics, request counting). */
  readonly hooks?: RequestHooks;
  /**
   * How produce and fetch carry records: `binary` (Kafka RecordBatch v2 in
   * `application/vnd.eddy.batches` bodies, about 10× less CPU than JSON on
   * both sides) or `json` (HTTP API v1's JSON bodies). Every other call is
   * JSON either way. A custom {@link Transport} gets `binary` only when it
   * says it carries `Uint8Array` bodies with their `contentType` and
   * `accept` ({@link Transport.binaryBodies}).
   * Binary `putRecords` is used when every record names its partition (the
   * producer's case); otherwise the call goes as JSON, so the server picks
   * partitions. A record without a timestamp gets the client's clock in
   * binary, the server's in JSON.
   * @default 'binary' with the built-in transports; with a custom one, 'binary' if its `binaryBodies` is true, else 'json'
   */
  readonly wireFormat?: WireFormat;
}

export type { CallOptions } from './types.js';

interface InternalCall extends CallOptions {
  /** Whether repeating the request is safe when its outcome is unknown. */
  readonly idempotent: boolean;
  /** Extra time the server may legitimately take (long poll). */
  readonly extraTimeMs?: number;
}

const enc = encodeURIComponent;

/** Where the HTTP transport goes when neither `endpoint` nor `EDDY_ENDPOINT` says: the local host (`npm start`, `eddy dev`). */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4000';

/**
 * The endpoint to use and where it came from, checked to be an http(s) URL.
 * @throws RangeError with one line naming the setting and the bad value.
 */
function resolveEndpoint(given: string | undefined, env: string | undefined, required: boolean): string | undefined {
  const [value, source] = given !== undefined && given !== '' ? [given, 'endpoint'] : env ? [env, 'EDDY_ENDPOINT'] : [undefined, undefined];
  if (value === undefined) return required ? DEFAULT_ENDPOINT : undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new RangeError(`${source} must be an http(s) URL such as ${DEFAULT_ENDPOINT} or https://abc123.execute-api.eu-west-1.amazonaws.com, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The Eddy client. Methods mirror the HTTP API one to one; each rejects with
 * an {@link EddyError}.
 *
 * @example
 * ```ts
 * const eddy = new Eddy(); // EDDY_ENDPOINT, else the local host on http://127.0.0.1:4000
 * await eddy.createTopic({ name: 'orders', partitions: 3 });
 * ```
 */
export class Eddy implements EddyApi {
  /** The transport requests travel through. */
  readonly transport: Transport;
  /** The client's default retry policy. */
  readonly retryPolicy: RetryPolicy;
  /** Time limit of one request attempt. */
  readonly requestTimeoutMs: number;
  /** How produce and fetch carry records (see {@link EddyOptions.wireFormat}). */
  readonly wireFormat: WireFormat;
  private readonly hooks: RequestHooks;

  /** @param options - endpoint, transport, signing, retries. */
  constructor(options: EddyOptions = {}) {
    const transport = options.transport ?? 'http';
    const endpoint = typeof transport === 'object' ? undefined : resolveEndpoint(options.endpoint, process.env.EDDY_ENDPOINT, transport === 'http');
    if (typeof transport === 'object') {
      this.transport = transport;
    } else if (transport === 'lambda') {
      this.transport = new LambdaTransport({
        ...(endpoint ? { endpoint } : {}),
        ...(options.region ? { region: options.region } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.lambda?.functions ? { functions: options.lambda.functions } : {}),
        ...(options.lambda?.client ? { client: options.lambda.client } : {}),
      });
    } else if (transport === 'http') {
      this.transport = new HttpTransport({
        endpoint: endpoint!,
        ...(options.signing ? { signing: options.signing } : {}),
        ...(options.region ? { region: options.region } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
    } else {
      throw new RangeError(`transport must be 'http', 'lambda' or a Transport, got ${JSON.stringify(transport)}`);
    }
    this.retryPolicy = new RetryPolicy(options.retry);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!(this.requestTimeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be positive, got ${this.requestTimeoutMs}`);
    this.hooks = options.hooks ?? {};
    this.wireFormat = options.wireFormat ?? (this.transport.binaryBodies ? 'binary' : 'json');
    if (this.wireFormat !== 'binary' && this.wireFormat !== 'json') throw new RangeError(`wireFormat must be 'binary' or 'json', got ${JSON.stringify(this.wireFormat)}`);
  }

  /** `GET /health`: resolves when the service answers. */
  async health(options?: CallOptions): Promise<{ status: string }> {
    return this.call({ method: 'GET', path: '/health' }, { ...options, idempotent: true });
  }

  /** `POST /v1/topics`: creates a topic. */
  async createTopic(input: CreateTopicInput, options?: CallOptions): Promise<TopicDescription> {
    const body = { name: input.name, ...(input.partitions !== undefined ? { partitions: input.partitions } : {}), ...(input.config ? { config: input.config } : {}) };
    return this.call({ method: 'POST', path: '/v1/topics', body }, { ...options, idempotent: false });
  }

  /** `GET /v1/topics`: lists topics. */
  async listTopics(options?: CallOptions): Promise<{ topics: TopicSummary[] }> {
    return this.call({ method: 'GET', path: '/v1/topics' }, { ...options, idempotent: true });
  }

  /**
   * `GET /v1/topics/{topic}/description`: describes a topic with its partition
   * offsets. This path (not `GET /v1/topics/{topic}`) is what an unscoped
   * produce or admin grant may call: IAM's wildcard for the shorter one also
   * matches record reads (docs/deploy.md).
   */
  async describeTopic(input: TopicInput, options?: CallOptions): Promise<TopicDescription> {
    return this.call({ method: 'GET', path: `/v1/topics/${enc(input.topic)}/description` }, { ...options, idempotent: true });
  }

  /** `PATCH /v1/topics/{topic}`: grows partitions or changes settings. */
  async alterTopic(input: AlterTopicInput, options?: CallOptions): Promise<TopicDescription> {
    const body = { ...(input.partitions !== undefined ? { partitions: input.partitions } : {}), ...(input.config ? { config: input.config } : {}) };
    return this.call({ method: 'PATCH', path: `/v1/topics/${enc(input.topic)}`, body }, { ...options, idempotent: true });
  }

  /** `DELETE /v1/topics/{topic}`: deletes a topic and its records. */
  async deleteTopic(input: TopicInput, options?: CallOptions): Promise<void> {
    await this.call({ method: 'DELETE', path: `/v1/topics/${enc(input.topic)}` }, { ...options, idempotent: false });
  }

  /**
   * `POST /v1/topics/{topic}/records`: appends records, answering one
   * `{partition, offset}` per record in request order. Retried on
   * `UNKNOWN_OUTCOME` only when it carries idempotence fields.
   */
  async putRecords(input: PutRecordsInput, options?: CallOptions): Promise<PutRecordsOutput> {
    if ((input.wireFormat ?? this.wireFormat) === 'binary' && input.records.length > 0 && input.records.every((r) => r.partition !== undefined)) return this.putRecordsBinary(input, options);
    const encoding = input.encoding ?? 'base64';
    const body = {
      ...(input.encoding ? { encoding: input.encoding } : {}),
      records: input.records.map((r) => wireRecord(r, encoding)),
      ...(input.producerId !== undefined ? { producerId: input.producerId, producerEpoch: input.producerEpoch ?? 0, sequences: input.sequences ?? {} } : {}),
    };
    return this.call(
      { method: 'POST', path: `/v1/topics/${enc(input.topic)}/records`, body },
      { ...options, idempotent: input.producerId !== undefined },
    );
  }

  /** The binary form of {@link Eddy.putRecords} (every record names its partition): one RecordBatch v2 per partition. */
  private async putRecordsBinary(input: PutRecordsInput, options?: CallOptions): Promise<PutRecordsOutput> {
    const { body, indexes } = encodeBinaryProduce(input, Date.now());
    const answer = await this.call<WireProduceAnswer>(
      { method: 'POST', path: `/v1/topics/${enc(input.topic)}/records`, body, contentType: BATCHES_MEDIA_TYPE },
      { ...options, idempotent: input.producerId !== undefined },
    );
    const results = new Array<PutRecordResult>(input.records.length);
    for (const { partition, baseOffset } of answer.partitions ?? []) {
      indexes.get(partition)?.forEach((recordIndex, i) => (results[recordIndex] = { partition, offset: baseOffset + i }));
    }
    if (results.some((r) => r === undefined) || results.length !== input.records.length) {
      throw new EddyError('INTERNAL', `produce answered ${JSON.stringify(answer).slice(0, 200)}, which does not place every record`);
    }
    return { results };
  }

  /**
   * `GET /v1/topics/{topic}/partitions/{p}/records`: reads records from an
   * offset, optionally long-polling. With `wireFormat: 'binary'` the
   * records arrive as batches and are shaped here; the answer is the same.
   */
  getRecords(input: GetRecordsBytesInput, options?: CallOptions): Promise<GetRecordsBytesOutput>;
  getRecords(input: GetRecordsInput, options?: CallOptions): Promise<GetRecordsOutput>;
  /** @param input - with `encoding: 'bytes'`, records come as bytes (views into the binary answer: what the consumer reads). */
  async getRecords(input: GetRecordsInput | GetRecordsBytesInput, options?: CallOptions): Promise<GetRecordsOutput | GetRecordsBytesOutput> {
    const bytes = input.encoding === 'bytes';
    const query: Record<string, string> = { offset: String(input.offset) };
    if (input.maxRecords !== undefined) query.maxRecords = String(input.maxRecords);
    if (input.maxBytes !== undefined) query.maxBytes = String(input.maxBytes);
    if (input.waitMs !== undefined) query.waitMs = String(input.waitMs);
    if (input.encoding !== undefined) query.encoding = bytes ? 'base64' : input.encoding;
    const binary = this.wireFormat === 'binary';
    const answer = await this.call<GetRecordsOutput | Uint8Array>(
      { method: 'GET', path: `/v1/topics/${enc(input.topic)}/partitions/${input.partition}/records`, query, ...(binary ? { accept: SDK_ACCEPT } : {}) },
      { ...options, idempotent: true, extraTimeMs: input.waitMs ?? 0 },
    );
    // A server that does not speak the binary format answers JSON: that is the same answer.
    if (answer instanceof Uint8Array) return bytes ? decodeBinaryFetchBytes(answer, input.offset) : decodeBinaryFetch(answer, input.offset, (input.encoding as Encoding | undefined) ?? 'base64');
    return bytes ? jsonFetchToBytes(answer) : answer;
  }

  /** `GET /v1/topics/{topic}/partitions/{p}/offsets`: the earliest, latest or first-at-time offset. */
  async listOffsets(input: ListOffsetsInput, options?: CallOptions): Promise<ListOffsetsOutput> {
    return this.call(
      { method: 'GET', path: `/v1/topics/${enc(input.topic)}/partitions/${input.partition}/offsets`, query: { at: String(input.at) } },
      { ...options, idempotent: true },
    );
  }

  /**
   * `POST /v1/groups/{group}/heartbeat`: joins (epoch 0), keeps alive and
   * acknowledges (current epoch), or leaves (epoch -1). A join is not
   * retried on `UNKNOWN_OUTCOME` (it could create a second member).
   */
  async heartbeat(input: HeartbeatInput, options?: CallOptions): Promise<HeartbeatOutput> {
    const body = {
      ...(input.memberId !== undefined ? { memberId: input.memberId } : {}),
      memberEpoch: input.memberEpoch,
      topics: input.topics,
      ...(input.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: input.sessionTimeoutMs } : {}),
    };
    return this.call(
      { method: 'POST', path: `/v1/groups/${enc(input.group)}/heartbeat`, body },
      { ...options, idempotent: input.memberId !== undefined },
    );
  }

  /** `POST /v1/groups/{group}/offsets`: commits offsets (each the next offset to read). */
  async commitOffsets(input: CommitOffsetsInput, options?: CallOptions): Promise<CommitOffsetsOutput> {
    const body = {
      ...(input.memberId !== undefined ? { memberId: input.memberId } : {}),
      ...(input.memberEpoch !== undefined ? { memberEpoch: input.memberEpoch } : {}),
      offsets: input.offsets,
    };
    return this.call({ method: 'POST', path: `/v1/groups/${enc(input.group)}/offsets`, body }, { ...options, idempotent: true });
  }

  /** `GET /v1/groups/{group}/offsets`: committed offsets with lag. */
  async fetchOffsets(input: FetchOffsetsInput, options?: CallOptions): Promise<FetchOffsetsOutput> {
    return this.call(
      { method: 'GET', path: `/v1/groups/${enc(input.group)}/offsets`, ...(input.topic !== undefined ? { query: { topic: input.topic } } : {}) },
      { ...options, idempotent: true },
    );
  }

  /** `GET /v1/groups`: lists groups. */
  async listGroups(options?: CallOptions): Promise<{ groups: GroupSummary[] }> {
    return this.call({ method: 'GET', path: '/v1/groups' }, { ...options, idempotent: true });
  }

  /** `GET /v1/groups/{group}`: members, assignment and lag. */
  async describeGroup(input: GroupInput, options?: CallOptions): Promise<GroupDescription> {
    return this.call({ method: 'GET', path: `/v1/groups/${enc(input.group)}` }, { ...options, idempotent: true });
  }

  /** `DELETE /v1/groups/{group}`: deletes a group without live members. */
  async deleteGroup(input: GroupInput, options?: CallOptions): Promise<void> {
    await this.call({ method: 'DELETE', path: `/v1/groups/${enc(input.group)}` }, { ...options, idempotent: false });
  }

  /** `POST /v1/groups/{group}/offsets/reset`: moves a group's offsets of a topic (group must be empty). */
  async resetOffsets(input: ResetOffsetsInput, options?: CallOptions): Promise<CommitOffsetsOutput> {
    return this.call(
      { method: 'POST', path: `/v1/groups/${enc(input.group)}/offsets/reset`, body: { topic: input.topic, to: input.to } },
      { ...options, idempotent: false },
    );
  }

  /**
   * Which defaults producers and consumers of this client apply: `aws` for
   * HTTPS to a non-local endpoint and for Lambda invoke of the regional API
   * (fill requests, back off when idle: each request is billed), `local` for
   * the local host and custom transports (low latency).
   */
  get profile(): TransportProfile {
    return transportProfile(this.transport);
  }

  /** Creates a batching, idempotent producer (kafkajs shape); its defaults follow {@link Eddy.profile} unless `options.profile` says otherwise. */
  producer(options?: ProducerOptions): Producer {
    return new Producer(this, { profile: this.profile, wireFormat: this.wireFormat, ...options });
  }

  /** Creates a consumer: a group member with `groupId`, a standalone reader without; its defaults follow {@link Eddy.profile} unless `options.profile` says otherwise. */
  consumer(options: ConsumerOptions = {}): Consumer {
    return new Consumer(this, { profile: this.profile, ...options });
  }

  /** Releases the transport's connections. */
  close(): void {
    this.transport.close?.();
  }

  /** Sends one request through the transport with the retry policy, mapping non-2xx answers to {@link EddyError}s. */
  private async call<T>(request: TransportRequest, call: InternalCall): Promise<T> {
    const policy = call.retry === false ? NO_RETRY : call.retry instanceof RetryPolicy ? call.retry : call.retry ? new RetryPolicy(call.retry) : this.retryPolicy;
    const timeoutMs = call.timeoutMs ?? this.requestTimeoutMs + (call.extraTimeMs ?? 0);
    return policy.run(
      async (attempt) => {
        this.hooks.onRequest?.(request, attempt);
        const started = Date.now();
        let status: number | undefined;
        try {
          const res = await this.transport.request(request, { timeoutMs, ...(call.signal ? { signal: call.signal } : {}) });
          status = res.status;
          if (res.status >= 400) throw errorFromResponse(res.status, res.body);
          this.hooks.onResponse?.({ request, attempt, durationMs: Date.now() - started, status });
          return res.body as T;
        } catch (err) {
          if (err instanceof EddyError) {
            this.hooks.onResponse?.({ request, attempt, durationMs: Date.now() - started, error: err, ...(status !== undefined ? { status } : {}) });
          }
          throw err;
        }
      },
      call.idempotent,
      call.signal,
      // A GET writes nothing: "an earlier attempt may have been applied" would be false (a lost first
      // attempt of `topics describe x` turned the answer UNKNOWN_TOPIC_OR_PARTITION into UNKNOWN_OUTCOME).
      request.method === 'GET',
    );
  }
}

/** Converts a record's byte fields to the request's encoding. */
function wireRecord(r: PutRecord, encoding: Encoding): Record<string, unknown> {
  const text = (v: string | Uint8Array): string =>
    typeof v === 'string' ? v : encoding === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : new TextDecoder().decode(v);
  const out: Record<string, unknown> = {};
  if (r.key !== undefined) out.key = r.key === null ? null : text(r.key);
  out.value = r.value instanceof Uint8Array && encoding !== 'json' ? text(r.value) : r.value;
  if (r.headers) out.headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, text(v)]));
  if (r.partition !== undefined) out.partition = r.partition;
  if (r.timestamp !== undefined) out.timestamp = r.timestamp;
  return out;
}
