// The documentation's own configuration blocks, for the tests that run them.
import { readFile } from 'node:fs/promises';

/**
 * The text of every fenced block of `language` in a Markdown file, in order, so that a test runs
 * the documentation's own configuration and fails when the two drift apart.
 */
export async function fencedBlocks(markdownFile: string, language: string): Promise<string[]> {
  const text = await readFile(markdownFile, 'utf8');
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  return [...text.matchAll(fence)].map((match) => match[1]!);
}
