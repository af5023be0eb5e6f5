/**
 * Just enough IAM policy reading for preflight: does a resource policy (a bucket policy) or a
 * trust policy allow a service principal an action on a resource? Wildcards `*` and `?` in actions
 * and resources, as IAM matches them; conditions are reported, not evaluated.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { Service?: string | string[]; AWS?: string | string[] };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Statement?: PolicyStatement | PolicyStatement[];
}

const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** IAM's wildcard match: `*` any run of characters, `?` one; actions case-insensitively. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    caseInsensitive ? 'i' : ''
  );
  return re.test(value);
}

export function statements(doc: PolicyDocument | undefined): PolicyStatement[] {
  return asList(doc?.Statement);
}

function principalIncludesService(s: PolicyStatement, service: string): boolean {
  if (s.Principal === '*') return true;
  if (typeof s.Principal !== 'object') return false;
  return asList(s.Principal.Service).includes(service) || asList(s.Principal.AWS).includes('*');
}

function allowsAction(s: PolicyStatement, action: string): boolean {
  if (s.NotAction) return !asList(s.NotAction).some((a) => wildcardMatch(a, action, true));
  return asList(s.Action).some((a) => wildcardMatch(a, action, true));
}

function coversResource(s: PolicyStatement, resource: string | undefined): boolean {
  if (resource === undefined) return true;
  return asList(s.Resource).some((r) => wildcardMatch(r, resource));
}

/** The statements that decide whether `service` may do `action` on `resource`. */
export function serviceAccess(
  doc: PolicyDocument | undefined,
  service: string,
  action: string,
  resource?: string
): { allowedBy?: PolicyStatement; deniedBy?: PolicyStatement } {
  const relevant = statements(doc).filter(
    (s) => principalIncludesService(s, service) && allowsAction(s, action) && coversResource(s, resource)
  );
  // A Deny with a condition (TLS-only, for one) does not apply to every request: only unconditional ones count.
  return {
    allowedBy: relevant.find((s) => s.Effect === 'Allow'),
    deniedBy: relevant.find((s) => s.Effect === 'Deny' && !s.Condition),
  };
}
