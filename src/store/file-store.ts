import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, NbstoreError } from '../lib/errors.js';
import { listDir, sha256, writeFileAtomic } from '../lib/fs.js';
import { lowerKeys } from './metadata.js';
import type { CheckOptions, CheckResult, ObjectInfo, Store, StoredVersion, VersionInfo, VersionMeta } from './store.js';

/**
 * The embedded store: a versioned object store in a local directory, so nbstore works with no
 * cloud account. Layout:
 *
 *   blobs/<sha256>                 bodies, stored once per content
 *   keys/<encoded key>/<seq>.json  one record per version or delete marker, seq counting up
 *
 * A record is created with link(2) from a complete temporary file, which fails if the sequence
 * number is taken; so concurrent writers from any number of processes never lose or tear a
 * version, and no lock is needed.
 */
interface VersionRecord {
  versionId: string;
  lastModified: string;
  size: number;
  blob: string | null;
  deleteMarker: boolean;
  metadata: Record<string, string>;
}

const RECORD_NAME = /^(\d{10})\.json$/;
const MAX_ENCODED_KEY = 240;

export class FileStore implements Store {
  readonly id: string;
  readonly location: string;
  /** Parsed records by path: a record never changes once linked, so each is read once. */
  private readonly recordsRead = new Map<string, VersionRecord>();

  constructor(private readonly root: string) {
    this.id = `file://${root}`;
    this.location = root;
  }

  async check(_options?: CheckOptions): Promise<CheckResult> {
    await mkdir(join(this.root, 'keys'), { recursive: true });
    await mkdir(join(this.root, 'blobs'), { recursive: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    return { createdBucket: false, enabledVersioning: false };
  }

  async put(key: string, body: Uint8Array, metadata: Record<string, string>): Promise<VersionMeta> {
    const blob = sha256(body);
    const blobPath = join(this.root, 'blobs', blob);
    await mkdir(join(this.root, 'blobs'), { recursive: true });
    // nbstore's copies of notebooks are the user's alone.
    await writeFileAtomic(blobPath, body, { mode: 0o600 });
    return this.append(key, { size: body.byteLength, blob, deleteMarker: false, metadata: lowerKeys(metadata) });
  }

  async get(key: string, versionId?: string): Promise<StoredVersion> {
    const record = await this.find(key, versionId);
    const body = await readFile(join(this.root, 'blobs', record.blob as string));
    return { info: record.info, body };
  }

  async head(key: string, versionId?: string): Promise<VersionMeta> {
    return (await this.find(key, versionId)).info;
  }

  async *versions(prefix: string): AsyncIterable<VersionInfo> {
    for (const key of await this.keysUnder(prefix)) {
      const records = await this.records(key);
      for (let i = records.length - 1; i >= 0; i--) {
        yield toInfo(key, records[i] as VersionRecord, i === records.length - 1);
      }
    }
  }

  async *objects(prefix: string): AsyncIterable<ObjectInfo> {
    for (const key of await this.keysUnder(prefix)) {
      const records = await this.records(key);
      const latest = records[records.length - 1];
      if (latest && !latest.deleteMarker) yield { key, lastModified: new Date(latest.lastModified), size: latest.size };
    }
  }

  async copy(from: { key: string; versionId: string }, toKey: string, metadata: Record<string, string>): Promise<VersionMeta> {
    const source = await this.find(from.key, from.versionId);
    return this.append(toKey, { size: source.info.size, blob: source.blob, deleteMarker: false, metadata: lowerKeys(metadata) });
  }

  async remove(key: string): Promise<VersionInfo> {
    return this.append(key, { size: 0, blob: null, deleteMarker: true, metadata: {} });
  }

  private keyDir(key: string): string {
    const encoded = encodeKey(key);
    if (encoded.length > MAX_ENCODED_KEY) {
      throw new NbstoreError('unsafe-key', `key too long for the embedded store (${key.length} characters): ${key.slice(0, 60)}…`);
    }
    return join(this.root, 'keys', encoded);
  }

  private async append(key: string, fields: Omit<VersionRecord, 'versionId' | 'lastModified'>): Promise<VersionMeta> {
    const dir = this.keyDir(key);
    await mkdir(dir, { recursive: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const tmp = join(this.root, 'tmp', randomBytes(12).toString('hex'));
    const versionId = newVersionId();
    try {
      for (;;) {
        const seq = (await this.sequenceNumbers(dir)).reduce((max, n) => Math.max(max, n), 0) + 1;
        const record: VersionRecord = { versionId, lastModified: new Date().toISOString(), ...fields };
        await writeFile(tmp, JSON.stringify(record), { mode: 0o600 });
        try {
          await link(tmp, join(dir, `${String(seq).padStart(10, '0')}.json`));
          return toInfo(key, record, true);
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw err;
        }
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  private async sequenceNumbers(dir: string): Promise<number[]> {
    return (await listDir(dir)).flatMap((name) => {
      const match = RECORD_NAME.exec(name);
      return match ? [Number(match[1])] : [];
    });
  }

  /** A key's records, oldest first. */
  private async records(key: string): Promise<VersionRecord[]> {
    const dir = this.keyDir(key);
    const seqs = (await this.sequenceNumbers(dir)).sort((a, b) => a - b);
    return Promise.all(
      seqs.map(async (seq) => {
        const path = join(dir, `${String(seq).padStart(10, '0')}.json`);
        let record = this.recordsRead.get(path);
        if (!record) {
          record = JSON.parse(await readFile(path, 'utf8')) as VersionRecord;
          this.recordsRead.set(path, record);
        }
        return record;
      }),
    );
  }

  private async find(key: string, versionId?: string): Promise<{ info: VersionMeta; blob: string | null }> {
    const records = await this.records(key);
    const index = versionId === undefined ? records.length - 1 : records.findIndex((r) => r.versionId === versionId);
    const record = records[index];
    if (!record) {
      throw new NbstoreError('not-found', versionId === undefined ? `${key}: not in the store` : `${key}: no version ${versionId}`);
    }
    if (record.deleteMarker) {
      throw new NbstoreError(
        'not-found',
        versionId === undefined ? `${key}: deleted (latest version is a delete marker)` : `${key}: version ${versionId} is a delete marker`,
      );
    }
    return { info: toInfo(key, record, index === records.length - 1), blob: record.blob };
  }

  private async keysUnder(prefix: string): Promise<string[]> {
    return (await listDir(join(this.root, 'keys')))
      .map(decodeKey)
      .filter((key) => key.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
}

function toInfo(key: string, record: VersionRecord, isLatest: boolean): VersionMeta {
  return {
    key,
    versionId: record.versionId,
    lastModified: new Date(record.lastModified),
    size: record.size,
    isLatest,
    isDeleteMarker: record.deleteMarker,
    metadata: record.metadata,
  };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 random letters and digits, like an S3 version id but never starting with '-', which a
 * command line would take for an option. */
function newVersionId(): string {
  return Array.from(randomBytes(32), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

/** One directory name per key: '/' and every other special character percent-encoded, and a
 * leading '.' too, so no key can name '.', '..' or a hidden entry. */
function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/^\./, '%2E').replace(/\*/g, '%2A');
}

/** Whether the embedded store can keep a key this long (its one directory name per key is bounded). */
export function fitsEmbeddedKey(key: string): boolean {
  return encodeKey(key).length <= MAX_ENCODED_KEY;
}

function decodeKey(name: string): string {
  return decodeURIComponent(name);
}
