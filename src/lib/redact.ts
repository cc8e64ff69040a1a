/** A URL (or what was meant as one) as it may be printed: any user name and password in it replaced. */
export function redactUrl(url: string): string {
  return url.replace(/[^/@:\s]*:[^/@\s]*@/, '***@').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
