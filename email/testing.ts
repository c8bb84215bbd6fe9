// Test support: throwaway template directories, so lint and catalog tests can break one thing
// at a time and know the exact line they broke.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A minimal layout set that lints clean: body once, unsubscribe link and postal address. */
export const BASE_FILES: Record<string, string> = {
  'layouts/default.hbs': [
    '<html><head><title>{{subject}}</title><style>.cta { color: #ff0000; }</style></head><body>',
    '<div class="preheader">{{preheader}}</div>',
    '{{{body}}}',
    '{{> footer}}',
    '</body></html>',
  ].join('\n'),
  'partials/footer.hbs': '<p>{{sender.postalAddress}} <a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
};

/** An email file: front matter (defaults plus `frontMatter`), then `body`, whose first line is file line 7 + frontMatter.length. */
export function emailFile(body: string[], frontMatter: string[] = []): string {
  return [
    '---',
    'subject: "Hi {{lead.firstName}}"',
    'preheader: Hello',
    'kind: welcome',
    'stages: [awareness]',
    ...frontMatter,
    '---',
    ...body,
  ].join('\n');
}

/** Writes `files` (relative path -> content) over BASE_FILES into a new temp directory. */
export async function writeTemplates(files: Record<string, string>, base = BASE_FILES): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nurture-templates-'));
  for (const [rel, content] of Object.entries({ ...base, ...files })) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}
