import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

// Twilio's wire format as the sandbox speaks it: ids, JSON bodies and its error shape.

/** Twilio error codes the sandbox can answer with (configured per number, or for the next N requests). */
export const ERRORS: Record<number, { status: number; message: string }> = {
  20003: { status: 401, message: 'Authenticate' },
  20429: { status: 429, message: 'Too Many Requests' },
  21211: { status: 400, message: "The 'To' number is not a valid phone number." },
  21408: { status: 400, message: 'Permission to send an SMS has not been enabled for the region' },
  21606: { status: 400, message: "The 'From' phone number provided is not a valid message-capable number" },
  21610: { status: 400, message: 'Attempt to send to unsubscribed recipient' },
  21611: { status: 400, message: "This 'From' number has exceeded the maximum number of queued messages" },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
  30001: { status: 500, message: 'Queue overflow' },
};

export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function twilioError(res: ServerResponse, code: number): void {
  const e = ERRORS[code] ?? { status: 400, message: 'Error' };
  json(res, e.status, {
    code,
    message: e.message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status: e.status,
  });
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}
