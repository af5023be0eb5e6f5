/** The object store on S3 (s3://bucket/key URIs). */
import { HeadObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../ports';
import { errorName, withAwsErrors } from './errors';

export function parseS3Uri(uri: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  return { Bucket: m[1]!, Key: m[2]! };
}

async function collect(body: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<string | Uint8Array>) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(chunks);
}

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client) {}

  async getText(uri: string): Promise<string | null> {
    try {
      const out = await this.client.send(new GetObjectCommand(parseS3Uri(uri)));
      return (await out.Body?.transformToString('utf-8')) ?? '';
    } catch (err) {
      if (errorName(err) === 'NoSuchKey' || errorName(err) === 'NotFound') return null;
      return withAwsErrors('GetObject', uri, () => Promise.reject(err));
    }
  }

  async putText(uri: string, body: string): Promise<void> {
    await withAwsErrors('PutObject', uri, () => this.client.send(new PutObjectCommand({ ...parseS3Uri(uri), Body: body, ContentType: 'application/json' })));
  }

  async openRead(uri: string): Promise<NodeJS.ReadableStream> {
    const out = await withAwsErrors('GetObject', uri, () => this.client.send(new GetObjectCommand(parseS3Uri(uri))));
    return out.Body as Readable;
  }

  /** Buffers the body: interactions files stay well under PutObject's 5 GB single-part limit in practice. */
  async write(uri: string, body: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>): Promise<void> {
    const data = await collect(body);
    await withAwsErrors('PutObject', uri, () => this.client.send(new PutObjectCommand({ ...parseS3Uri(uri), Body: data, ContentType: 'text/csv' })));
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand(parseS3Uri(uri)));
      return true;
    } catch (err) {
      if (errorName(err) === 'NotFound' || errorName(err) === 'NoSuchKey') return false;
      return withAwsErrors('HeadObject', uri, () => Promise.reject(err));
    }
  }
}
