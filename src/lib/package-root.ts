import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root (the folder with bin/, hooks/ and package.json). Code runs both
 * from the bundle (dist/bundle/) and from the compiled tree (dist/src/…) at other depths, so it
 * is found by walking up rather than by a fixed `../..`.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('nbstore: cannot find its own package.json');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT: string = findPackageRoot();
