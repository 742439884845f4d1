/**
 * The operator's provisioning system, behind one small interface. The HTTP implementation is the only
 * one in production; tests and the demo point it at the in-process ProvisioningSandbox.
 */
export interface NumberChangeOrder {
  /** The same key on every try of one request: the operator applies the change at most once. */
  idempotencyKey: string;
  accountId: string;
  oldMsisdn: string;
  newMsisdn: string;
}

/** Failures worth retrying (network, timeouts, 5xx, 409 "still in progress", 429). */
export class ProvisioningRetryableError extends Error {}
/** Failures no retry will fix (4xx: the operator refused the order). */
export class ProvisioningRejectedError extends Error {}

export abstract class ProvisioningClient {
  /** Resolves with the operator's reference for the change; throws one of the errors above. */
  abstract changeNumber(order: NumberChangeOrder): Promise<{ reference: string }>;
}

/** How an HTTP status from the provisioning API is treated. */
export function provisioningOutcome(status: number): 'ok' | 'retry' | 'rejected' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 409 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

export class HttpProvisioningClient extends ProvisioningClient {
  /** `baseUrl`: the API's address, or a function that finds it at the first call (a sandbox started lazily). */
  constructor(
    private readonly baseUrl: string | (() => Promise<string>),
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async changeNumber(order: NumberChangeOrder): Promise<{ reference: string }> {
    let res: Response;
    try {
      const base = typeof this.baseUrl === 'string' ? this.baseUrl : await this.baseUrl();
      res = await fetch(`${base}/number-changes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': order.idempotencyKey },
        body: JSON.stringify({
          accountId: order.accountId,
          oldMsisdn: order.oldMsisdn,
          newMsisdn: order.newMsisdn,
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ProvisioningRetryableError(`provisioning unreachable: ${(e as Error).message}`);
    }
    const outcome = provisioningOutcome(res.status);
    const body = (await res.json().catch(() => ({}))) as { reference?: string; message?: string };
    if (outcome === 'ok' && body.reference) return { reference: body.reference };
    // Only the status and the operator's message: never echo the order (it holds numbers).
    const why = `provisioning answered ${res.status}${body.message ? `: ${body.message}` : ''}`;
    if (outcome === 'rejected') throw new ProvisioningRejectedError(why);
    throw new ProvisioningRetryableError(outcome === 'ok' ? `${why} without a reference` : why);
  }
}
