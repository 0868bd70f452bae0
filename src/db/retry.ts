/** SQLSTATE lock_not_available: raised when lock_timeout expires. */
export const LOCK_NOT_AVAILABLE = '55P03';

// Lock timeout, deadlock, serialization failure: a whole-transaction retry may get past them.
const RETRYABLE = new Set([LOCK_NOT_AVAILABLE, '40P01', '40001']);

/** True when the error is a lock timeout (or deadlock/serialization failure) that a retry may get past. */
export function isLockTimeout(err: unknown): boolean {
  return RETRYABLE.has((err as { code?: string })?.code ?? '');
}

/**
 * Run `fn`, retrying on lock timeouts with exponential backoff and jitter. Each attempt must be
 * a whole transaction so a retry starts clean; other errors pass straight through.
 */
export async function withLockRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { retries: number; baseDelayMs?: number; onRetry?: (attempt: number, delayMs: number, err: unknown) => void },
): Promise<T> {
  const base = opts.baseDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isLockTimeout(err) || attempt > opts.retries) throw err;
      const delay = Math.min(10_000, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      opts.onRetry?.(attempt, Math.round(delay), err);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
