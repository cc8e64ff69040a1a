// Loaded with `node --import` by a test: reports each module a process imports of nbstore's S3
// store (`s3-store*.js`, the only importer of the AWS SDK) or of the SDK itself, and of the
// browser's UI (`ui/run.js`, bundled as `run-*.js`, the only importer of Ink and React) or of
// Ink and React themselves, and of the web view (`ui/web/routes.js` and `ui/web/server.js`, bundled
// as `routes-*.js` and `server-*.js`, the only importers of react-dom, marked and sanitize-html),
// so a test can tell which commands load them, bundled or not. The
// report goes to stderr, or to the file NBSTORE_IMPORTS_LOG names (for a process that draws on
// its terminal).
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
const log = ${JSON.stringify(process.env.NBSTORE_IMPORTS_LOG ?? '')};
export async function resolve(specifier, context, next) {
  if (/^@aws-sdk\\/|s3-store|^(ink|react|react-dom\\/server|marked|sanitize-html)$|\\/(run|routes|server)(-\\w+)?\\.js$/.test(specifier)) {
    const line = 'imported ' + specifier + '\\n';
    if (log) appendFileSync(log, line);
    else process.stderr.write(line);
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
