import type { ServerResponse } from 'node:http';

/** The part of Express's response these controllers use (@types/express is not in the tree). */
export type HttpResponse = ServerResponse & {
  status(code: number): HttpResponse;
  json(body: unknown): void;
};
