/**
 * Failures that the same data and settings would repeat: a bad config, a broken model, a failing model test, a
 * refresh already running. Retrying them only delays the alarm, so the scheduler's retry loop gives up at once on
 * anything that extends this class. Each stage marks its own errors; orchestration never needs to list them.
 */
export class PermanentError extends Error {}
