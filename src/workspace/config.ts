import { homedir } from 'node:os';
import { join } from 'node:path';
import { NbstoreError } from '../lib/errors.js';
import { redactUrl } from '../lib/text.js';
import { joinKey } from '../store/keys.js';
import type { StoreSettings } from '../store/settings.js';

/**
 * Settings, named as nteract bookstore names them so that a team's bookstore configuration
 * carries over. `store` is nbstore's own: which kind of versioned store the workspace uses.
 */
export interface Settings extends StoreSettings {
  workspace_prefix: string;
  published_prefix: string;
  author: string;
}

export type SettingName = keyof Settings;
export type PartialSettings = Partial<Settings>;

export const DEFAULTS: Settings = {
  store: 'embedded',
  s3_bucket: '',
  s3_endpoint_url: '',
  s3_region_name: 'us-east-1',
  s3_access_key_id: '',
  s3_secret_access_key: '',
  workspace_prefix: 'workspace',
  published_prefix: 'published',
  max_threads: 16,
  author: '',
};

/** The variables bookstore's documentation names for these five; nbstore reads them to share a team's
 * bookstore settings (bookstore 2.5.1 itself does not read them on traitlets 5). */
const BOOKSTORE_ENV: Partial<Record<SettingName, string>> = {
  s3_bucket: 'JPYNB_S3_BUCKET',
  s3_endpoint_url: 'JPYNB_S3_ENDPOINT_URL',
  s3_region_name: 'JPYNB_S3_REGION_NAME',
  s3_access_key_id: 'JPYNB_S3_ACCESS_KEY_ID',
  s3_secret_access_key: 'JPYNB_S3_SECRET_ACCESS_KEY',
};

const SETTING_NAMES = Object.keys(DEFAULTS) as SettingName[];

/** The global flag of each setting that has one (see main.ts). */
const SETTING_FLAGS: Partial<Record<SettingName, string>> = {
  s3_bucket: '--bucket',
  s3_endpoint_url: '--endpoint-url',
  s3_region_name: '--region',
  workspace_prefix: '--workspace-prefix',
  published_prefix: '--published-prefix',
  max_threads: '--max-threads',
};

/** Every way to set a setting, for messages that say how to fix it. */
export function howToSet(name: SettingName): string {
  const ways = [SETTING_FLAGS[name], nbstoreEnvName(name), BOOKSTORE_ENV[name]].filter((way) => way !== undefined);
  return `${ways.join(', ')} or "${name}" in .nbstore/config.json`;
}

/** S3 settings the S3 client would trip over later, refused with a message that names them and their fix. */
export function checkS3Settings(settings: Settings, bucket: string): void {
  if (!bucket) {
    throw new NbstoreError(
      'bad-config',
      `s3_bucket is not set, and this workspace keeps its versions in S3 (set it with ${howToSet('s3_bucket')})`,
    );
  }
  const endpoint = settings.s3_endpoint_url;
  if (!endpoint) return;
  let protocol: string | undefined;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    // reported below, as a URL of another scheme is
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new NbstoreError(
      'bad-config',
      `s3_endpoint_url "${redactUrl(endpoint)}" is not an http:// or https:// URL (set it with ${howToSet('s3_endpoint_url')})`,
    );
  }
}

/** `NBSTORE_S3_BUCKET`, `NBSTORE_WORKSPACE_PREFIX`, … for every setting. */
export function nbstoreEnvName(name: SettingName): string {
  return `NBSTORE_${name.toUpperCase()}`;
}

function fromEnv(env: NodeJS.ProcessEnv, nameOf: (name: SettingName) => string | undefined, source: string): PartialSettings {
  const out: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const variable = nameOf(name);
    const value = variable === undefined ? undefined : env[variable];
    if (value !== undefined && value !== '') out[name] = coerce(name, value, `${source} ${variable}`);
  }
  return out as PartialSettings;
}

function coerce(name: SettingName, value: unknown, where: string): Settings[SettingName] {
  if (name === 'max_threads') {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 1024) {
      throw new NbstoreError('bad-config', `${where}: max_threads must be a whole number from 1 to 1024`);
    }
    return n;
  }
  if (name === 'store') {
    if (value !== 'embedded' && value !== 's3') throw new NbstoreError('bad-config', `${where}: store must be "embedded" or "s3"`);
    return value;
  }
  if (typeof value !== 'string') throw new NbstoreError('bad-config', `${where}: ${name} must be a string`);
  return name.endsWith('_prefix') ? joinKey(value) : value;
}

/** Checks a parsed config file and keeps only known settings. */
export function validateConfigFile(data: unknown, where: string): PartialSettings {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new NbstoreError('bad-config', `${where}: not a JSON object`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data)) {
    if (!(SETTING_NAMES as string[]).includes(name)) {
      throw new NbstoreError('bad-config', `${where}: unknown setting "${name}"`);
    }
    out[name] = coerce(name as SettingName, value, where);
  }
  return out as PartialSettings;
}

export interface SettingSources {
  flags?: PartialSettings;
  env: NodeJS.ProcessEnv;
  workspace?: PartialSettings;
  user?: PartialSettings;
}

/** Highest first: flags, NBSTORE_* env, JPYNB_S3_* env, workspace config, user config, defaults. */
export function resolveSettings(sources: SettingSources): Settings {
  const layers: PartialSettings[] = [
    DEFAULTS,
    sources.user ?? {},
    sources.workspace ?? {},
    fromEnv(sources.env, (name) => BOOKSTORE_ENV[name], 'environment'),
    fromEnv(sources.env, nbstoreEnvName, 'environment'),
    sources.flags ?? {},
  ];
  const merged = Object.assign({}, ...layers.map(definedOnly)) as Settings;
  // The kind of store is the workspace's own: an environment that names a bucket for bookstore
  // must not silently move an embedded workspace to S3.
  merged.store = sources.workspace?.store ?? 'embedded';
  return merged;
}

/** A layer's settings that are set. An empty prefix is set: as in bookstore, it means the bucket's root. */
function definedOnly(layer: PartialSettings): PartialSettings {
  return Object.fromEntries(
    Object.entries(layer).filter(([name, value]) => value !== undefined && (value !== '' || name.endsWith('_prefix'))),
  );
}

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'nbstore', 'config.json');
}

/** `s3://bucket[/prefix]`, as `init` and `clone` take a store. */
export function parseStoreUrl(url: string): { bucket: string; prefix?: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new NbstoreError('usage', `${url}: a store is s3://bucket[/prefix], or nothing for the embedded store`);
  const bucket = match[1] as string;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new NbstoreError('usage', `${bucket}: not a valid S3 bucket name`);
  // nbstore's own form, not a bookstore setting: a trailing slash names the same folder.
  const prefix = joinKey((match[2] ?? '').replace(/\/+$/, ''));
  return prefix ? { bucket, prefix } : { bucket };
}
