// Loaded with `node --import` by a test: reports each module a process imports of nbstore's S3
// store (`s3-store*.js`, the only importer of the AWS SDK) or of the SDK itself, on stderr, so
// the test can tell which commands load the SDK, bundled or not.
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (/^@aws-sdk\\/|s3-store/.test(specifier)) process.stderr.write('imported ' + specifier + '\\n');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
