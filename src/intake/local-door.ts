// The door a command-line tool uses when the server already has the embedded database open (data-lock.ts):
// it posts each message to the server's own inbound route, authenticated by a token both derive from the
// shared secret, so no token has to be configured or stored.
import { createHmac } from 'node:crypto';
import type { IngestOutcome } from './pipeline.js';

export function localIngestToken(secretKey: string): string {
  return createHmac('sha256', secretKey).update('listkeeper local ingest v1').digest('base64url');
}

export type RemoteOutcome = Pick<IngestOutcome, 'inboundId' | 'state' | 'folder' | 'duplicate' | 'kind' | 'events' | 'scored' | 'error'>;

export class RemoteIngestError extends Error {
  constructor(
    message: string,
    /** True when the server could not store it now (database away): nothing was stored, try later. */
    readonly retryLater: boolean,
  ) {
    super(message);
    this.name = 'RemoteIngestError';
  }
}

/** Hands one message to a running server; throws RemoteIngestError when the server did not take it. */
export async function ingestThroughServer(baseUrl: string, token: string, raw: Buffer): Promise<RemoteOutcome> {
  let res: Response;
  try {
    res = await fetch(new URL('/api/inbound/raw', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
      body: raw,
    });
  } catch (err) {
    throw new RemoteIngestError(`the server at ${baseUrl} did not answer (${(err as Error).message})`, true);
  }
  const body = (await res.json().catch(() => ({}))) as Partial<RemoteOutcome> & { id?: number | null; error?: string | null };
  if (res.status === 503) throw new RemoteIngestError(body.error ?? 'the server is temporarily unavailable', true);
  if (!res.ok) throw new RemoteIngestError(`the server refused the message: ${res.status} ${body.error ?? ''}`.trim(), false);
  return {
    inboundId: body.id ?? null,
    state: body.state as RemoteOutcome['state'],
    folder: body.folder as RemoteOutcome['folder'],
    duplicate: body.duplicate ?? false,
    kind: body.kind ?? null,
    events: body.events ?? 0,
    scored: body.scored ?? 0,
    error: body.error ?? null,
  };
}
