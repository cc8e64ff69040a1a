// Loaded with `node --import` by a test: reports each AWS SDK package a process imports, on
// stderr, so the test can tell which commands load the SDK.
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/')) process.stderr.write('imported ' + specifier + '\\n');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
