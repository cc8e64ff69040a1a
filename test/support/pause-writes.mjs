// Loaded with `node --import` by the crash tests. The first time the process writes a file whose
// path matches NBSTORE_TEST_PAUSE_WRITE (a regular expression) through a file handle, as
// writeFileAtomic does, it writes half of the data, says `paused <path>` on stderr and stops there
// for good: the test then kills it in the middle of that write, every time.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const pattern = new RegExp(process.env.NBSTORE_TEST_PAUSE_WRITE ?? '(?!)');
const watched = new WeakMap();
let pausedOnce = false;

const open = fs.promises.open;
fs.promises.open = async function (path, ...rest) {
  const handle = await open.call(this, path, ...rest);
  if (!pausedOnce && pattern.test(String(path))) watched.set(handle, String(path));
  return handle;
};

const probe = await open('/dev/null', 'r');
const FileHandle = Object.getPrototypeOf(probe);
await probe.close();
const writeFile = FileHandle.writeFile;
FileHandle.writeFile = async function (data, ...rest) {
  const path = watched.get(this);
  if (path === undefined || pausedOnce) return writeFile.call(this, data, ...rest);
  pausedOnce = true;
  const bytes = Buffer.from(data);
  await this.write(bytes.subarray(0, bytes.length >> 1));
  process.stderr.write(`paused ${path}\n`);
  // A timer keeps the process alive; the promise never settles.
  setInterval(() => undefined, 1 << 30);
  return new Promise(() => undefined);
};

syncBuiltinESMExports();
