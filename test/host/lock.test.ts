/**
 * The data directory's lock (`local/lock.ts`) in process: who holds it is
 * named, a dead holder's lock is taken over, a lock being written is waited
 * for, and release removes only our own.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../local/lock.js';

const dirs: string[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'eddy-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A pid no process has: far above Linux's pid_max default. */
const DEAD_PID = 2 ** 30;

describe('data directory lock', () => {
  it('names the live holder, with its URL once it listens', async () => {
    const d = dir();
    const held = await lockDataDir(d, process.pid);
    held.setUrl('http://127.0.0.1:4100');
    const refused = await lockDataDir(d, process.pid + 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).holder).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:4100' });
    expect((refused as Error).message).toMatch(new RegExp(`^data directory ${d} is in use by another Eddy host \\(pid ${process.pid}, http://127\\.0\\.0\\.1:4100, since `));
    held.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('takes over the lock of a process that is gone, and an unreadable one left long ago', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: DEAD_PID, since: 'then' }));
    const taken = await lockDataDir(d, process.pid);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    taken.release();

    writeFileSync(join(d, LOCK_FILE), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(d, LOCK_FILE), old, old);
    (await lockDataDir(d, process.pid)).release();
  });

  it('waits for a lock file being written rather than taking it', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), ''); // opened by another host, not yet written
    setTimeout(() => writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.pid, since: 'now' })), 200);
    await expect(lockDataDir(d, process.pid + 1)).rejects.toBeInstanceOf(DataDirLockedError);
  });

  it('release leaves a lock that is no longer ours alone', async () => {
    const d = dir();
    const mine = await lockDataDir(d, process.pid);
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 1, since: 'later' }));
    mine.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });
});
