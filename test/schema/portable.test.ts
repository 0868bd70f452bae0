import { describe, expect, it } from 'vitest';
import type { CatalogObject } from '../../src/schema/model.js';
import { isPortable, portable } from '../../src/schema/step-catalog.js';

const o = (kind: CatalogObject['kind'], attrs: CatalogObject['attrs']): CatalogObject => ({ kind, schema: 's', name: 's.x', attrs });

describe('portable: what generated files may hold', () => {
  it('drops owners and privileges (roles of an installation), keeps comments and settings', () => {
    const p = portable(o('function', { owner: 'app', privileges: 'PUBLIC: EXECUTE', comment: 'c', config: 'search_path=s', volatility: 's' }));
    expect(p.attrs).toEqual({ comment: 'c', config: 'search_path=s', volatility: 's' });
  });

  it("drops a rule's deparsed CREATE RULE, not an index's or trigger's definition", () => {
    expect(portable(o('rule', { definition: 'CREATE RULE …', event: 'DELETE' })).attrs).toEqual({ event: 'DELETE' });
    expect(portable(o('index', { definition: 'CREATE INDEX …' })).attrs).toEqual({ definition: 'CREATE INDEX …' });
  });

  it('default privileges are not portable at all; other kinds are', () => {
    expect(isPortable({ kind: 'default privileges' })).toBe(false);
    expect(isPortable({ kind: 'statistics' })).toBe(true);
  });
});
