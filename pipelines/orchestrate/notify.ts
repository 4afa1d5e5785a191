/**
 * Telling people a refresh failed: a short JSON message posted to a webhook (a chat room, an
 * alerting system). Best effort: a webhook that is down is logged, never hides the real failure.
 */
export interface FailureNotice {
  readonly event: "refresh_failed";
  readonly run_id: string;
  readonly finished_at: string;
  readonly attempts: number;
  readonly error: string;
  readonly failed_sources: string[];
}

export async function postWebhook(
  url: string,
  notice: FailureNotice,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<{ ok: boolean; detail: string }> {
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(notice),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    return { ok: response.ok, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
