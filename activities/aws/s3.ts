/**
 * The object store on S3 (s3://bucket/key URIs). Large writes stream through a multipart upload,
 * so the interactions file never has to fit in memory.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { ObjectStore, ObjectVersion } from '../ports';
import { awsErrorKind, awsFailure, withAwsErrors } from './errors';

export interface S3Location {
  Bucket: string;
  Key: string;
}

export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new TypeError(`not an s3://bucket/key URI: ${uri}`);
  return { Bucket: m[1]!, Key: m[2]! };
}

/**
 * S3 answers a read of a missing key with AccessDenied instead of NoSuchKey when the caller may not
 * list the bucket, so a first run (no `last-trained.json` yet) without s3:ListBucket looks like a
 * missing s3:GetObject. The hint names both.
 */
export function missingKeyHint(uri: string): string {
  const { Bucket, Key } = parseS3Uri(uri);
  const prefix = Key.includes('/') ? Key.slice(0, Key.lastIndexOf('/') + 1) : '';
  return (
    `S3 also answers AccessDenied for an object that does not exist yet when the role may not list the bucket: ` +
    `grant s3:ListBucket on arn:aws:s3:::${Bucket}${prefix ? ` (condition s3:prefix ${prefix}*)` : ''} as well as s3:GetObject on ${uri}`
  );
}

function contentTypeOf(key: string): string {
  if (key.endsWith('.csv')) return 'text/csv';
  if (key.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

/** Uploads go in parts of this size, this many at a time: ~20 MB of memory whatever the file's size. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 4;

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client) {}

  async getText(uri: string): Promise<string | null> {
    const location = parseS3Uri(uri);
    try {
      const out = await this.client.send(new GetObjectCommand(location));
      return (await out.Body?.transformToString('utf-8')) ?? '';
    } catch (err) {
      // A missing key is an answer here, but a missing bucket is a config error.
      const kind = awsErrorKind(err);
      if (kind === 'not-found' && (err as Error).name !== 'NoSuchBucket') return null;
      throw awsFailure(err, {
        operation: 's3:GetObject',
        resource: uri,
        hint: kind === 'access-denied' ? missingKeyHint(uri) : undefined,
      });
    }
  }

  async putText(uri: string, body: string): Promise<void> {
    const location = parseS3Uri(uri);
    await withAwsErrors('s3:PutObject', uri, () =>
      this.client.send(new PutObjectCommand({ ...location, Body: body, ContentType: contentTypeOf(location.Key) }))
    );
  }

  async openRead(uri: string): Promise<NodeJS.ReadableStream> {
    const location = parseS3Uri(uri);
    const out = await withAwsErrors('s3:GetObject', uri, () => this.client.send(new GetObjectCommand(location)));
    if (!out.Body) return Readable.from([]);
    return out.Body as Readable;
  }

  /** Streams the body: one PutObject when it fits in a part, a multipart upload otherwise. */
  async write(uri: string, body: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>): Promise<void> {
    const location = parseS3Uri(uri);
    const stream = body instanceof Readable ? body : Readable.from(body as AsyncIterable<string | Uint8Array>);
    const upload = new Upload({
      client: this.client,
      params: { ...location, Body: stream, ContentType: contentTypeOf(location.Key) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    await withAwsErrors('s3:PutObject', uri, () => upload.done());
  }

  /** ListObjectsV2 with the '/' delimiter: the objects directly under the prefix, page by page (s3:ListBucket). */
  async list(prefix: string): Promise<string[]> {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(prefix);
    if (!m) throw new TypeError(`not an s3://bucket/prefix URI: ${prefix}`);
    const Bucket = m[1]!;
    const Prefix = m[2]! === '' || m[2]!.endsWith('/') ? m[2]! : `${m[2]!}/`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await withAwsErrors('s3:ListBucket', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket, Prefix, Delimiter: '/', ...(token && { ContinuationToken: token }) })
        )
      );
      for (const o of page.Contents ?? []) if (o.Key && o.Key !== Prefix) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort().map((k) => `s3://${Bucket}/${k}`);
  }

  /** HeadObject of a key; ListObjectsV2 (with the '/' delimiter, as Personalize reads a folder) of a prefix. */
  async objectVersions(uri: string): Promise<ObjectVersion[]> {
    if (!uri.endsWith('/')) {
      const location = parseS3Uri(uri);
      try {
        const head = await this.client.send(new HeadObjectCommand(location));
        return [{ uri, size: head.ContentLength ?? 0, etag: head.ETag ?? '', ...(head.LastModified && { lastModified: head.LastModified.toISOString() }) }];
      } catch (err) {
        const kind = awsErrorKind(err);
        if (kind === 'not-found') return [];
        throw awsFailure(err, { operation: 's3:HeadObject', resource: uri, hint: kind === 'access-denied' ? missingKeyHint(uri) : undefined });
      }
    }
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!m) throw new TypeError(`not an s3://bucket/prefix/ URI: ${uri}`);
    const [, Bucket, Prefix] = m as unknown as [string, string, string];
    const out: ObjectVersion[] = [];
    let token: string | undefined;
    do {
      const page = await withAwsErrors('s3:ListBucket', uri, () =>
        this.client.send(new ListObjectsV2Command({ Bucket, Prefix, Delimiter: '/', ...(token && { ContinuationToken: token }) }))
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key === Prefix) continue;
        out.push({ uri: `s3://${Bucket}/${o.Key}`, size: o.Size ?? 0, etag: o.ETag ?? '', ...(o.LastModified && { lastModified: o.LastModified.toISOString() }) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.uri < b.uri ? -1 : 1));
  }

  async exists(uri: string): Promise<boolean> {
    const location = parseS3Uri(uri);
    try {
      await this.client.send(new HeadObjectCommand(location));
      return true;
    } catch (err) {
      // HEAD has no body, so a missing bucket and a missing key both come back as a bare 404.
      const kind = awsErrorKind(err);
      if (kind === 'not-found') return false;
      throw awsFailure(err, {
        operation: 's3:HeadObject',
        resource: uri,
        hint: kind === 'access-denied' ? missingKeyHint(uri) : undefined,
      });
    }
  }
}
