// Runs one synthesized Lambda bundle the way the Node.js runtime does: a
// separate Node 22 process whose environment is the function's (set by the
// parent), the handler resolved from `file.export` in the asset directory and
// imported once (init), then invoked once per event with a context object.
// Events arrive over the IPC channel; each answer is {id, ok, result} or
// {id, ok: false, error: {errorType, errorMessage}} as Lambda reports them.
//
//   node lambda-runner.mjs <assetDir> <file.export> [clockOffsetMs]
//
// clockOffsetMs (argv, never the environment) shifts Date for this process
// only: the deploy check's "a day later" maintenance passes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [assetDir, handlerSpec, offsetArg] = process.argv.slice(2);
const offset = Number(offsetArg ?? 0);
if (offset !== 0) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}

const dot = handlerSpec.lastIndexOf('.');
const file = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);
const candidates = ['.mjs', '.js', '.cjs'].map((ext) => path.join(assetDir, file + ext));
const entry = candidates.find((c) => existsSync(c));

let handler;
let initError;
try {
  if (!entry) throw new Error(`Cannot find module '${file}' in ${assetDir}`);
  const mod = await import(pathToFileURL(entry).href);
  handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerSpec} is undefined or not exported`);
} catch (err) {
  initError = err;
}

let invocation = 0;
process.on('message', async ({ id, event }) => {
  if (initError) {
    process.send({ id, ok: false, error: { errorType: 'Runtime.ImportModuleError', errorMessage: String(initError?.stack ?? initError) } });
    return;
  }
  const started = Date.now();
  const context = {
    awsRequestId: `deploy-check-${process.pid}-${++invocation}`,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    getRemainingTimeInMillis: () => Math.max(0, 29_000 - (Date.now() - started)),
  };
  try {
    const result = await handler(event, context);
    process.send({ id, ok: true, result: result === undefined ? null : result });
  } catch (err) {
    process.send({ id, ok: false, error: { errorType: err?.name ?? 'Error', errorMessage: String(err?.message ?? err) } });
  }
});
process.send({ ready: true, nodeVersion: process.version });
