import { describe, expect, it } from 'vitest';
import { EddyError, errorFromResponse, isEddyError, shouldRetry } from '../../src/errors.js';

describe('error table', () => {
  it('gives each error the policy of its code', () => {
    const e = new EddyError('THROTTLED', 'slow down');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('EddyError');
    expect([e.code, e.status, e.retryable, e.outcome]).toEqual(['THROTTLED', 429, true, 'none']);
    expect(new EddyError('UNKNOWN_OUTCOME', 'x').outcome).toBe('unknown');
  });
});

describe('errorFromResponse', () => {
  it('keeps the code, message and retryability of the API envelope', () => {
    const e = errorFromResponse(409, { error: { code: 'STALE_MEMBER_EPOCH', message: 'epoch 3, current 4', retryable: false } });
    expect(e).toMatchObject({ code: 'STALE_MEMBER_EPOCH', message: 'epoch 3, current 4', status: 409, retryable: false });
    expect(isEddyError(e, 'STALE_MEMBER_EPOCH')).toBe(true);
    expect(isEddyError(e, 'UNKNOWN_MEMBER_ID')).toBe(false);
  });

  it('keeps an unknown code visible as INTERNAL with the server flag', () => {
    const e = errorFromResponse(503, { error: { code: 'SOMETHING_NEW', message: 'later', retryable: true } });
    expect(e).toMatchObject({ code: 'INTERNAL', status: 503, retryable: true });
    expect(e.message).toContain('SOMETHING_NEW');
  });

  it.each([
    [429, { message: 'Too Many Requests' }, 'THROTTLED', true],
    [503, { message: 'Service Unavailable' }, 'UNAVAILABLE', true],
    [504, { message: 'Endpoint request timed out' }, 'UNKNOWN_OUTCOME', true],
    [502, 'Bad Gateway', 'UNKNOWN_OUTCOME', true],
    [403, { message: 'Forbidden' }, 'INVALID_REQUEST', false],
    [413, null, 'MESSAGE_TOO_LARGE', false],
    [500, 'oops', 'INTERNAL', false],
  ] as const)('maps a bare %i (gateway answer) by status', (status, body, code, retryable) => {
    const e = errorFromResponse(status, body);
    expect(e).toMatchObject({ code, status, retryable });
  });
});

describe('shouldRetry', () => {
  it('follows the table, UNKNOWN_OUTCOME only with idempotence, never for non-EddyErrors', () => {
    expect(shouldRetry(new EddyError('UNAVAILABLE', ''), false)).toBe(true);
    expect(shouldRetry(new EddyError('UNKNOWN_OUTCOME', ''), false)).toBe(false);
    expect(shouldRetry(new EddyError('UNKNOWN_OUTCOME', ''), true)).toBe(true);
    expect(shouldRetry(new EddyError('INTERNAL', ''), true)).toBe(false);
    expect(shouldRetry(new Error('boom'), true)).toBe(false);
  });
});
