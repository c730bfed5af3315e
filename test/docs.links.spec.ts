import { describe, expect, it } from '@jest/globals';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { displayPath, documentationFiles, headingAnchors, markdownLinks, readText, REPOSITORY_ROOT } from './support/markdown.js';

/** Besides README.md and docs/: the other Markdown pages the guides link to. */
const LINKED_PAGES = ['test/README.md', 'bench/README.md'].map((page) => join(REPOSITORY_ROOT, page));

/** Every link of `file` that does not resolve: a missing file, or a `#anchor` no heading of the target has. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of markdownLinks(readText(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check offline
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${displayPath(file)}:${line} → ${target}`;
    if (!destination.startsWith(REPOSITORY_ROOT) || !existsSync(destination)) {
      broken.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined || !destination.endsWith('.md') || statSync(destination).isDirectory()) continue;
    if (!headingAnchors(readText(destination)).has(decodeURIComponent(anchor))) broken.push(`${where}: no heading with that anchor`);
  }
  return broken;
}

describe('links in the documentation', () => {
  it('every relative link and #anchor in README.md, docs/ and the pages they link to resolves', () => {
    const pages = [...documentationFiles(), ...LINKED_PAGES.filter((page) => existsSync(page))];
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.flatMap(brokenLinks)).toEqual([]);
  });

  it('anchors follow GitHub: punctuation dropped, spaces as hyphens, repeated headings numbered', () => {
    const anchors = headingAnchors(
      '# Client authentication: `private_key_jwt` and tls_client_auth\n## Gateways (WSO2 API Manager)\n## Notes\n## Notes\n```md\n# not a heading\n```\n',
    );
    expect([...anchors]).toEqual([
      'client-authentication-private_key_jwt-and-tls_client_auth',
      'gateways-wso2-api-manager',
      'notes',
      'notes-1',
    ]);
  });
});
