/** The `eddy-maintenance` Lambda function. Event shapes: lambdas/http/handler.ts and docs/api.md. */
import type { MaintenanceReport } from '../core/index.js';
import { dispatch } from './http/handler.js';
import { runtimeFromEnv, type Runtime } from './http/runtime.js';

/**
 * Thrown when a maintenance pass recorded errors. The passes go on past a
 * failure (one bad topic must not stop the rest), so the report is complete;
 * failing the invocation afterwards is what makes the function's Errors
 * metric, its alarm and the dead-letter queue see it.
 */
export class MaintenanceFailedError extends Error {
  override readonly name = 'MaintenanceFailedError';
  /**
   * @param report - the pass's full report; `errors` is non-empty
   */
  constructor(readonly report: MaintenanceReport) {
    super(`maintenance pass finished with ${report.errors.length} error(s): ${report.errors.slice(0, 3).join('; ')}`);
  }
}

function isReport(out: unknown): out is MaintenanceReport {
  return !!out && typeof out === 'object' && Array.isArray((out as Partial<MaintenanceReport>).errors);
}

/**
 * Builds the handler over a runtime made on first use (once per container).
 * Scheduled events run one pass and fail the invocation if it hit any error;
 * direct invokes of the maintenance function's routes answer as usual.
 */
export function maintenanceHandler(makeRuntime: () => Runtime): (event: unknown, context?: { awsRequestId?: string }) => Promise<unknown> {
  let rt: Runtime | undefined;
  return async (event, context) => {
    const coldStart = rt === undefined;
    rt ??= makeRuntime();
    const requestId = context?.awsRequestId;
    const out = await dispatch(rt, 'maintenance', event, { ...(requestId ? { requestId } : {}), coldStart });
    if (isReport(out) && out.errors.length > 0) {
      rt.logger.child({ fn: 'maintenance', ...(requestId ? { requestId } : {}) }).error('maintenance failed', { errors: out.errors });
      throw new MaintenanceFailedError(out);
    }
    return out;
  };
}

/** Settings are read and clients created once per container, on first use. */
export const handler = maintenanceHandler(() => runtimeFromEnv(process.env));
