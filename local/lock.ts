/**
 * One local host per data directory. dynalite (LevelDB) and s3rver keep their
 * files under the data directory and are not made for two processes: a
 * second host on the same directory would fail deep inside LevelDB
 * (`Database is closed`) or, worse, corrupt it. So the host holds
 * `<dataDir>/eddy.lock`, a small JSON file naming its pid and URL, for as
 * long as it runs; a second host reads it and refuses to start, saying who
 * holds the directory, and touches nothing.
 *
 * A lock left behind by a process that no longer exists (kill -9, a crash,
 * a reboot) is stale and is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';

/** The lock file's name inside the data directory. */
export const LOCK_FILE = 'eddy.lock';

/** What the lock file holds. */
export interface LockInfo {
  readonly pid: number;
  /** The host's URL, once it listens. */
  readonly url?: string;
  /** ISO time the lock was taken. */
  readonly since: string;
}

/** The data directory is held by another live process. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';

  /**
   * @param dataDir - the directory asked for.
   * @param holder - what the lock file says about the process holding it.
   */
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `data directory ${dataDir} is in use by another Eddy host (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ', still starting'}, since ${holder.since}): ` +
        `stop that one first (Ctrl-C in its terminal, or kill ${holder.pid}), use it (EDDY_ENDPOINT=${holder.url ?? 'its URL'}), or start this one with another EDDY_DATA_DIR`,
    );
  }
}

/** A held lock. */
export interface DataDirLock {
  /** Records the URL the host listens on, for the message a second host prints. */
  setUrl(url: string): void;
  /** Removes the lock file (if it is still ours). */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    if (typeof info.pid === 'number' && Number.isSafeInteger(info.pid) && info.pid > 0) return { pid: info.pid, since: String(info.since ?? 'unknown'), ...(info.url ? { url: info.url } : {}) };
  } catch {
    // Half-written: its writer is between open and write, or died there.
  }
  return { pid: 0, since: 'unknown' };
}

/** How long an unreadable lock file is taken for one being written, not one left by a crash. */
const WRITING_GRACE_MS = 5_000;

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Takes the data directory's lock, creating the directory if needed.
 * @throws {@link DataDirLockedError} when a live process holds it.
 */
export async function lockDataDir(dataDir: string, pid: number = process.pid): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  let info: LockInfo = { pid, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      // `wx`: exactly one of several starting hosts creates the file.
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(info));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw err;
    }
    const holder = readLock(path);
    if (!holder) continue; // released meanwhile
    if (holder.pid === 0 && ageMs(path) < WRITING_GRACE_MS) {
      await sleep(50); // another host is writing it right now
      continue;
    }
    if (holder.pid !== 0 && holder.pid !== pid && alive(holder.pid)) throw new DataDirLockedError(dataDir, holder);
    // Stale. Move it aside rather than delete it: of two hosts taking over at once, only one rename
    // succeeds, and the other one then finds the winner's live lock.
    const aside = `${path}.stale-${pid}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readLock(aside);
    if (moved && moved.pid !== holder.pid && moved.pid !== 0 && alive(moved.pid)) {
      // A live host's lock replaced the stale one between our read and our rename: put it back.
      renameSync(aside, path);
      throw new DataDirLockedError(dataDir, moved);
    }
    try {
      unlinkSync(aside);
    } catch {
      // Already gone.
    }
  }
  let released = false;
  return {
    setUrl(url) {
      info = { ...info, url };
      if (!released) writeFileSync(path, JSON.stringify(info));
    },
    release() {
      if (released) return;
      released = true;
      if (readLock(path)?.pid === pid) unlinkSync(path);
    },
  };
}
