// multipart/form-data for the few forms that upload a file (CSV import). Bodies are bounded by the app's
// bodyLimit, so buffering the whole body is safe; fields become strings, files { filename, contentType, data }.
import type { FastifyInstance } from 'fastify';

export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export type MultipartBody = Record<string, string | UploadedFile>;

export function isUploadedFile(v: unknown): v is UploadedFile {
  return typeof v === 'object' && v !== null && Buffer.isBuffer((v as UploadedFile).data);
}

/** Parses a complete multipart body; returns null when it is malformed. */
export function parseMultipart(body: Buffer, contentType: string): MultipartBody | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const out: MultipartBody = {};
  let pos = body.indexOf(delimiter);
  if (pos < 0) return null;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return out;
    // skip CRLF after the delimiter
    if (body[pos] === 13 && body[pos + 1] === 10) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return null;
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) return null;
    const content = body.subarray(headerEnd + 4, next);
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) {
      if (filename !== undefined) {
        const ct = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
        out[name] = { filename, contentType: ct, data: Buffer.from(content) };
      } else {
        out[name] = content.toString('utf8');
      }
    }
    pos = next + 2;
  }
}

export default async function registerMultipart(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    const parsed = parseMultipart(body as Buffer, String(req.headers['content-type'] ?? ''));
    if (!parsed) {
      const err = new Error('Malformed multipart form') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
      return;
    }
    done(null, parsed);
  });
}
