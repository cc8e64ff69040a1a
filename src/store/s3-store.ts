import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { errnoCode, NbstoreError } from '../lib/errors.js';
import { excerpt, redactUrl } from '../lib/text.js';
import { DeadlineError, DeadlineHttpHandler, NotS3Error } from './deadline-handler.js';
import { decodeMetadata, encodeMetadata, lowerKeys, META } from './metadata.js';
import { s3Location } from './s3-location.js';
import type { StoreSettings } from './settings.js';
import {
  type CheckOptions,
  type CheckResult,
  type ObjectInfo,
  type Store,
  type StoredVersion,
  type VersionInfo,
  type VersionMeta,
  versionsOfKey,
} from './store.js';

export interface S3Options {
  /** Milliseconds to wait for a connection, and for each response (without a byte moving). */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Called once per HTTP request sent (benchmarks count requests with it). */
  onRequest?: (command: string) => void;
  /** Keys per listing page (S3's MaxKeys; servers cap it, at 1,000 on AWS and RGW). */
  pageSize?: number;
  /** The environment, for the AWS_* credentials the default chain would read first. */
  env?: NodeJS.ProcessEnv;
  /** How s3_endpoint_url is set, for the message when the endpoint cannot be reached. */
  setEndpoint?: string;
}

/**
 * Keys from settings, else the AWS_* variables (the default chain's first source), passed
 * straight to the client so the rest of the chain (profiles, SSO, instance roles) is loaded
 * only when neither is there.
 */
function credentialsFrom(settings: StoreSettings, env: NodeJS.ProcessEnv) {
  if (settings.s3_access_key_id && settings.s3_secret_access_key) {
    return { credentials: { accessKeyId: settings.s3_access_key_id, secretAccessKey: settings.s3_secret_access_key } };
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const sessionToken = env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {};
    return { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...sessionToken } };
  }
  return {};
}

const COPY_NONCE = 'nbstore-copy-nonce';

export class S3Store implements Store {
  readonly id: string;
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly pageSize: number | undefined;
  /** Settles once the bucket is known to keep versions (or cannot be asked): before the first put. */
  private versioningChecked?: Promise<void>;

  constructor(settings: StoreSettings, options: S3Options = {}) {
    this.bucket = settings.s3_bucket;
    this.pageSize = options.pageSize;
    const endpoint = settings.s3_endpoint_url || undefined;
    ({ id: this.id, location: this.location } = s3Location(settings));
    const agentOptions = { keepAlive: true, maxSockets: settings.max_threads };
    this.client = new S3Client({
      region: settings.s3_region_name,
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...credentialsFrom(settings, options.env ?? {}),
      // Ceph RGW rejects the SDK's default streaming CRC32 trailer (411), and nbstore checks
      // bodies against its own SHA-256 anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // Resolving a command's middleware costs more CPU than the rest of a small request; it is
      // the same for every command of a kind, since nbstore adds middleware to the client only.
      cacheMiddleware: true,
      requestHandler: new DeadlineHttpHandler(
        {
          httpAgent: new HttpAgent(agentOptions),
          httpsAgent: new HttpsAgent(agentOptions),
          connectionTimeout: options.connectTimeoutMs ?? 5_000,
          // A limit on silence, not on the whole request: a large upload on a slow link goes on
          // while bytes move, and an endpoint that stops answering fails (and is retried) after
          // this long. The handler's `requestTimeout` only logs a warning and waits on.
          socketTimeout: options.requestTimeoutMs ?? 60_000,
        },
        // Twice the limit on silence: an endpoint that goes silent fails (and is retried) first.
        2 * (options.requestTimeoutMs ?? 60_000),
      ),
    });
    // A failure to connect names the endpoint and the setting that chose it (the SDK's error
    // names neither); outermost, so that it sees the error after the SDK's retries.
    const setWith = options.setEndpoint ?? '--endpoint-url';
    const [where, fix] = endpoint
      ? [redactUrl(endpoint), `check s3_endpoint_url (set with ${setWith})`]
      : [`of AWS in ${settings.s3_region_name}`, `no s3_endpoint_url is set; for MinIO or Ceph set it with ${setWith}`];
    this.client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (err) {
          const code = unreachableCode(err);
          if (code)
            throw new NbstoreError('endpoint-unreachable', `cannot reach the S3 endpoint ${where} (${code}); ${fix}`, { cause: err });
          throw err;
        }
      },
      { step: 'initialize', name: 'nbstoreUnreachable', priority: 'high' },
    );
    // nbstore gives the client no logger, yet the SDK's logging step filters every request and
    // response for secrets to log: a walk over each listing's thousand entries, for nothing.
    this.client.middlewareStack.remove('loggerMiddleware');
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        // An upload's SHA-256, recorded with a push, is what SigV4 signs as its payload hash:
        // given, the signer does not hash the body again, and S3 refuses a body that does not
        // match it. (Only an upload's: a copy carries the same metadata and no body.)
        const digest = (args.input as { Metadata?: Record<string, string> }).Metadata?.[META.sha256];
        if (context.commandName === 'PutObjectCommand' && digest && /^[0-9a-f]{64}$/.test(digest)) {
          (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = digest;
        }
        return next(args);
      },
      { step: 'build', name: 'nbstorePayloadHash' },
    );
    if (options.onRequest) {
      const onRequest = options.onRequest;
      this.client.middlewareStack.add(
        (next, context) => async (args) => {
          onRequest(String(context.commandName));
          return next(args);
        },
        { step: 'finalizeRequest', name: 'nbstoreCountRequests' },
      );
    }
  }

  async check(options: CheckOptions = {}): Promise<CheckResult> {
    let createdBucket = false;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const mapped = s3Error(err, `s3://${this.bucket}`);
      if (mapped.code !== 'not-found' && mapped.code !== 'bucket-missing') throw mapped;
      if (!options.createBucket) {
        throw new NbstoreError('bucket-missing', `bucket ${this.bucket} does not exist (nbstore init --create-bucket creates it)`);
      }
      await request(this.client.send(new CreateBucketCommand({ Bucket: this.bucket })), `s3://${this.bucket}`);
      createdBucket = true;
      options = { ...options, enableVersioning: true };
    }
    const versioning = await request(this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket })), `s3://${this.bucket}`);
    if (versioning.Status === 'Enabled') return { createdBucket, enabledVersioning: false };
    if (!options.enableVersioning) {
      throw new NbstoreError(
        'versioning-off',
        `${versioningState(this.bucket, versioning.Status)} (nbstore init --enable-versioning turns it on)`,
      );
    }
    await request(
      this.client.send(new PutBucketVersioningCommand({ Bucket: this.bucket, VersioningConfiguration: { Status: 'Enabled' } })),
      `s3://${this.bucket}`,
    );
    return { createdBucket, enabledVersioning: true };
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta> {
    this.versioningChecked ??= this.requireVersioning().catch((err: unknown) => {
      this.versioningChecked = undefined;
      throw err;
    });
    await this.versioningChecked;
    const res = await request(
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ipynb+json',
          Metadata: encodeMetadata(metadata),
        }),
      ),
      key,
    );
    if (!res.VersionId || res.VersionId === 'null')
      throw new NbstoreError('versioning-off', `s3://${this.bucket}/${key}: the store returned no version id; is versioning enabled?`);
    return {
      key,
      versionId: res.VersionId,
      lastModified: new Date(),
      size: body.byteLength,
      isLatest: true,
      isDeleteMarker: false,
      metadata: lowerKeys(metadata),
    };
  }

  /**
   * With versioning suspended a put replaces the key's unversioned copy, which may be a save no
   * version holds: so nothing is put until the bucket is known to keep versions. A user allowed
   * to put but not to read the bucket's versioning is checked by the version id a put returns.
   */
  private async requireVersioning(): Promise<void> {
    let status: string | undefined;
    try {
      status = (await request(this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket })), `s3://${this.bucket}`)).Status;
    } catch (err) {
      if (err instanceof NbstoreError && err.code === 'access-denied') return;
      throw err;
    }
    if (status !== 'Enabled') {
      throw new NbstoreError(
        'versioning-off',
        `${versioningState(this.bucket, status)}, so a push would overwrite earlier saves; nothing was pushed (nbstore init --enable-versioning turns it back on)`,
      );
    }
  }

  async get(key: string, versionId?: string): Promise<StoredVersion> {
    const what = describe(key, versionId);
    const res = await request(this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })), what);
    const body = res.Body
      ? await request(readBody(res.Body as AsyncIterable<Uint8Array>, res.ContentLength, what), what)
      : new Uint8Array();
    return { info: toMeta(key, versionId, res), body };
  }

  async head(key: string, versionId?: string): Promise<VersionMeta> {
    try {
      const res = await request(
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })),
        describe(key, versionId),
      );
      return toMeta(key, versionId, res);
    } catch (err) {
      // A HEAD response has no body, so a 403 cannot say whether the key was wrong or access
      // was denied: ask again with a one-byte GET, whose error names the cause.
      if (!(err instanceof NbstoreError && err.code === 'access-denied')) throw err;
      await request(
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId, Range: 'bytes=0-0' })),
        describe(key, versionId),
      );
      throw err;
    }
  }

  async *versions(prefix: string): AsyncIterable<VersionInfo> {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await request(
        this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
            MaxKeys: this.pageSize,
          }),
        ),
        prefix,
      );
      yield* mergePage(page.Versions ?? [], page.DeleteMarkers ?? []);
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }

  async *objects(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    for (;;) {
      const page = await request(
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.pageSize }),
        ),
        prefix,
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, lastModified: object.LastModified ?? new Date(0), size: object.Size ?? 0 };
      }
      if (!page.IsTruncated) return;
      token = page.NextContinuationToken;
    }
  }

  async copy(from: { key: string; versionId: string }, toKey: string, metadata: Record<string, string>): Promise<VersionMeta> {
    // Ceph RGW returns no version id from CopyObject: tag the copy with a nonce and find the
    // version that carries it.
    const nonce = randomBytes(12).toString('hex');
    const copySource = `${this.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}?versionId=${encodeURIComponent(from.versionId)}`;
    const res = await request(
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: copySource,
          MetadataDirective: 'REPLACE',
          ContentType: 'application/x-ipynb+json',
          Metadata: encodeMetadata({ ...metadata, [COPY_NONCE]: nonce }),
        }),
      ),
      describe(from.key, from.versionId),
    );
    const versionId = res.VersionId ?? (await this.findByNonce(toKey, nonce));
    return this.head(toKey, versionId);
  }

  private async findByNonce(key: string, nonce: string): Promise<string> {
    for await (const version of versionsOfKey(this, key)) {
      if (version.isDeleteMarker) continue;
      const meta = await this.head(key, version.versionId);
      if (meta.metadata[COPY_NONCE] === nonce) return version.versionId;
    }
    throw new NbstoreError('s3-error', `${key}: the copy succeeded but its version cannot be found`);
  }

  async remove(key: string): Promise<VersionInfo> {
    const res = await request(this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })), key);
    return { key, versionId: res.VersionId ?? 'null', lastModified: new Date(), size: 0, isLatest: true, isDeleteMarker: true };
  }
}

function versioningState(bucket: string, status: string | undefined): string {
  return `versioning is ${status === 'Suspended' ? 'suspended' : 'not enabled'} on bucket ${bucket}`;
}

/** Awaits one S3 request, mapping any failure to a user error about `what`. */
async function request<T>(pending: Promise<T>, what: string): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    throw s3Error(err, what);
  }
}

type ListedVersion = { Key?: string; VersionId?: string; LastModified?: Date; Size?: number; IsLatest?: boolean };

/**
 * A response body, read into one buffer of the length S3 announced: the SDK's collector keeps
 * the chunks and then joins them, holding a large body twice over.
 */
async function readBody(chunks: AsyncIterable<Uint8Array>, length: number | undefined, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const body = length === undefined ? undefined : Buffer.allocUnsafe(length);
  let at = 0;
  const cutShort = (detail: string, cause?: unknown) =>
    new NbstoreError('s3-error', `${what}: the body broke off after ${at} of ${length ?? 'its'} bytes (${detail})`, { cause });
  try {
    for await (const chunk of chunks) {
      if (body && at + chunk.byteLength <= body.byteLength) body.set(chunk, at);
      else parts.push(chunk);
      at += chunk.byteLength;
    }
  } catch (err) {
    if (err instanceof DeadlineError) throw s3Error(err, what);
    throw cutShort(errnoCode(err) ?? (err as Error).message, err);
  }
  if (body && at !== body.byteLength) throw cutShort('the store sent a different length');
  return body ?? Buffer.concat(parts);
}

/** ListObjectVersions returns versions and delete markers in two arrays; put them back in one
 * history: keys ascending, newest first, each delete marker where it happened. */
export function mergePage(versions: ListedVersion[], deleteMarkers: ListedVersion[]): VersionInfo[] {
  const all = [
    ...versions.map((v, order) => ({ v, order, isDeleteMarker: false })),
    ...deleteMarkers.map((v, order) => ({ v, order, isDeleteMarker: true })),
  ];
  all.sort((a, b) => {
    const ka = a.v.Key ?? '';
    const kb = b.v.Key ?? '';
    if (ka !== kb) return ka < kb ? -1 : 1;
    const ta = a.v.LastModified?.getTime() ?? 0;
    const tb = b.v.LastModified?.getTime() ?? 0;
    if (ta !== tb) return tb - ta;
    if (a.isDeleteMarker === b.isDeleteMarker) return a.order - b.order;
    // Same instant: whichever S3 calls latest is the newer.
    return (b.v.IsLatest ? 1 : 0) - (a.v.IsLatest ? 1 : 0);
  });
  return all.map(({ v, isDeleteMarker }) => ({
    key: v.Key ?? '',
    versionId: v.VersionId ?? 'null',
    lastModified: v.LastModified ?? new Date(0),
    size: v.Size ?? 0,
    isLatest: v.IsLatest ?? false,
    isDeleteMarker,
  }));
}

function toMeta(
  key: string,
  requested: string | undefined,
  res: {
    VersionId?: string;
    LastModified?: Date;
    ContentLength?: number;
    ETag?: string;
    ContentType?: string;
    Metadata?: Record<string, string>;
  },
): VersionMeta {
  // An object's HEAD or GET has no XML to judge by, but S3 always sends its ETag: without one,
  // something else answered (a captive portal, a proxy's page).
  if (res.ETag === undefined) {
    throw new NbstoreError(
      's3-error',
      `${describe(key, requested)}: the endpoint answered with ${excerpt(res.ContentType ?? 'no content type', 60)} and no ETag, not S3: a captive portal or a proxy's page? Check the endpoint URL and the network`,
    );
  }
  return {
    key,
    versionId: res.VersionId ?? requested ?? 'null',
    lastModified: res.LastModified ?? new Date(0),
    size: res.ContentLength ?? 0,
    isLatest: requested === undefined,
    isDeleteMarker: false,
    metadata: decodeMetadata(res.Metadata ?? {}),
  };
}

function describe(key: string, versionId?: string): string {
  return versionId === undefined ? key : `${key}@${versionId}`;
}

/** 4xx answers that mean "not now": worth sending again later. */
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequests']);

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** The network error code of a failure to reach the endpoint at all, if it is one. */
function unreachableCode(err: unknown): string | undefined {
  const e = err as { name?: string; code?: string; errors?: unknown[] };
  const code = e.code ?? (Array.isArray(e.errors) ? (e.errors[0] as { code?: string } | undefined)?.code : undefined);
  if (code && UNREACHABLE.has(code)) return code;
  return e.name === 'ECONNREFUSED' ? e.name : undefined;
}

/** Maps an AWS SDK failure to a one-line NbstoreError. Never includes credentials. */
export function s3Error(err: unknown, what: string): NbstoreError {
  if (err instanceof NbstoreError) return err;
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    errors?: unknown[];
  };
  if (err instanceof DeadlineError) {
    return new NbstoreError('endpoint-unreachable', `${what}: ${err.message}; NBSTORE_REQUEST_TIMEOUT_MS sets how long to wait`, {
      cause: err,
    });
  }
  if (err instanceof NotS3Error) return new NbstoreError('s3-error', `${what}: ${err.message}`, { cause: err });
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? (Array.isArray(e.errors) ? (e.errors[0] as { code?: string } | undefined)?.code : undefined);
  const options = { cause: err };
  if (name === 'NoSuchBucket') return new NbstoreError('bucket-missing', `${what}: the bucket does not exist`, options);
  if (name === 'NoSuchKey' || name === 'NoSuchVersion' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) {
    return new NbstoreError('not-found', `${what}: not found in the store`, options);
  }
  if (name === 'InvalidArgument' && status === 400 && /version/i.test(e.message ?? '')) {
    return new NbstoreError('not-found', `${what}: no such version`, options);
  }
  if (name === 'MethodNotAllowed' || status === 405) return new NbstoreError('not-found', `${what}: is a delete marker`, options);
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return new NbstoreError('bad-credentials', 'the S3 credentials were rejected (check the access key id and secret)', options);
  }
  if (name === 'CredentialsProviderError') {
    return new NbstoreError(
      'bad-credentials',
      'no S3 credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or s3_access_key_id)',
      options,
    );
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return new NbstoreError('access-denied', `${what}: access denied (check the credentials and the bucket policy)`, options);
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || name === 'RequestTimeout') {
    const attempts = e.$metadata?.attempts;
    return new NbstoreError(
      'timeout',
      `${what}: the S3 endpoint did not answer in time${attempts ? ` (${attempts} attempts)` : ''}; NBSTORE_REQUEST_TIMEOUT_MS sets how long to wait`,
      options,
    );
  }
  if (name === 'XAmzContentSHA256Mismatch' || name === 'BadDigest') {
    // Damaged on the way: a push spools the save, and sends it again.
    return new NbstoreError('s3-error', `${what}: the store received a body that does not match its SHA-256 (damaged on the way)`, options);
  }
  const unreachable = unreachableCode(err);
  if (unreachable) return new NbstoreError('endpoint-unreachable', `cannot reach the S3 endpoint (${unreachable})`, options);
  const message = excerpt((e.message ?? String(err)).split('\n')[0] ?? '', 300);
  if (status !== undefined && status >= 400 && status < 500 && status !== 429 && !THROTTLED.has(name)) {
    // Refused for what it is: sending it again gives the same answer, so it is never spooled.
    return new NbstoreError(
      'bad-request',
      `${what}: the store refused the request: ${name || 'S3 error'} (HTTP ${status}): ${message}`,
      options,
    );
  }
  return new NbstoreError('s3-error', `${what}: ${name || 'S3 error'}${status ? ` (HTTP ${status})` : ''}: ${message}`, options);
}
