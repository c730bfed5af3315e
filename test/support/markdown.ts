import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The repository root: the specs run from it. */
export const REPOSITORY_ROOT = resolve('.');

/** The documentation a user reads: README.md and every guide in docs/. */
export function documentationFiles(): string[] {
  const guides = readdirSync(join(REPOSITORY_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(REPOSITORY_ROOT, 'docs', name));
  return [join(REPOSITORY_ROOT, 'README.md'), ...guides];
}

/** A path relative to the repository root, for messages. */
export function displayPath(file: string): string {
  return relative(REPOSITORY_ROOT, file);
}

/** A fenced code block: its language, its text and the 1-based line of its opening fence. */
export interface FencedBlock {
  readonly language: string;
  readonly code: string;
  readonly line: number;
  /** The 1-based line of its closing fence (the last line of the text when it is never closed). */
  readonly endLine: number;
  /** Preceded by `<!-- snippet: partial -->`: deliberately incomplete, not type-checked. */
  readonly partial: boolean;
}

/** The marker a deliberately incomplete TypeScript block carries on the line before its fence. */
export const PARTIAL_SNIPPET_MARKER = '<!-- snippet: partial -->';

/** Every fenced block of a Markdown text (``` or ~~~ fences, possibly indented inside a list). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[index]);
    if (!open) continue;
    const [, indent, fence, language] = open;
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end]);
      end++;
    }
    let previous = index - 1;
    while (previous >= 0 && lines[previous].trim() === '') previous--;
    blocks.push({
      language: language.toLowerCase(),
      code: body.join('\n'),
      line: index + 1,
      endLine: Math.min(end + 1, lines.length),
      partial: previous >= 0 && lines[previous].trim() === PARTIAL_SNIPPET_MARKER,
    });
    index = end;
  }
  return blocks;
}

/** The text with fenced blocks and inline code blanked out (line numbers kept), so links inside code are not links. */
export function withoutCode(markdown: string): string {
  return withoutFencedBlocks(markdown).replace(/(`+)[\s\S]*?\1/g, (code) => code.replace(/[^\n]/g, ' '));
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen; repeats get -1, -2, .... */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  const text = withoutFencedBlocks(markdown);
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const rendered = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const base = rendered
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

function withoutFencedBlocks(markdown: string): string {
  const lines = markdown.split('\n');
  for (const block of fencedBlocks(markdown)) {
    for (let line = block.line - 1; line < block.endLine; line++) lines[line] = '';
  }
  return lines.join('\n');
}

/** A link target written in a Markdown text, with the line it is on. */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** Inline links and images `[text](target)`, autolinks `<target>` and reference definitions `[label]: target`. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const text = withoutCode(markdown);
  const links: MarkdownLink[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    links.push({ target: match[1], line: lineOf(match.index) });
  for (const match of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm))
    links.push({ target: match[1], line: lineOf(match.index) });
  for (const match of text.matchAll(/<((?:https?:|mailto:)[^>\s]+)>/g)) links.push({ target: match[1], line: lineOf(match.index) });
  return links;
}

/** Reads a file as UTF-8. */
export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
