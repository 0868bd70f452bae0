import { quoteIdent } from './names.js';

/** One entry of an exploded ACL as the inspect queries return it: grantee (null: PUBLIC), privilege, grantable. */
export type AclEntry = [string | null, string, boolean];

/**
 * Privileges in one order-free form: grantees sorted, each with its sorted privileges, `*` marking
 * one held WITH GRANT OPTION: `PUBLIC: EXECUTE; reader: SELECT, UPDATE*`. Null when there are none.
 */
export function formatPrivileges(entries: unknown): string | null {
  if (!Array.isArray(entries) || entries.length === 0) return null;
  const byGrantee = new Map<string, Set<string>>();
  for (const [grantee, privilege, grantable] of entries as AclEntry[]) {
    const who = grantee === null ? 'PUBLIC' : quoteIdent(grantee);
    const set = byGrantee.get(who) ?? new Set<string>();
    set.add(`${privilege}${grantable ? '*' : ''}`);
    byGrantee.set(who, set);
  }
  return [...byGrantee]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([who, privs]) => `${who}: ${[...privs].sort().join(', ')}`)
    .join('; ');
}

/** Role names of a policy (null: PUBLIC), quoted and sorted. */
export function formatRoles(roles: unknown): string | null {
  if (!Array.isArray(roles) || roles.length === 0) return null;
  return (roles as (string | null)[]).map((r) => (r === null ? 'PUBLIC' : quoteIdent(r))).sort().join(', ');
}
