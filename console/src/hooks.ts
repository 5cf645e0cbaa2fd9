/** Data loading for pages: load now, refresh every few seconds, keep the last good answer beside the last error. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** What {@link usePoll} returns. */
export interface Polled<T> {
  /** The last successful answer (kept while a later refresh fails). */
  data: T | undefined;
  /** The last refresh's error; cleared by the next success. */
  error: unknown;
  /** Loads again now. */
  reload: () => Promise<void>;
}

/**
 * Calls `load` now and every `intervalMs` (0: once), and again whenever
 * `deps` change. Refreshes never overlap, and pause while the tab is hidden.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[] = []): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef<Promise<void> | undefined>(undefined);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const gen = generation.current;
    // Refreshes never overlap; a reload asked for during one waits for it and runs again.
    while (running.current) await running.current;
    const run = (async () => {
      try {
        const value = await loadRef.current();
        if (gen === generation.current) {
          setData(value);
          setError(undefined);
        }
      } catch (err) {
        if (gen === generation.current) setError(err);
      }
    })();
    running.current = run;
    await run;
    running.current = undefined;
  }, []);

  useEffect(() => {
    generation.current++;
    setData(undefined);
    setError(undefined);
    void reload();
    if (!intervalMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden' && !running.current) void reload();
    }, intervalMs);
    return () => clearInterval(timer);
  }, deps);

  return { data, error, reload };
}
