import { describe, expect, it } from 'vitest';
import { emailFrontMatterSchema, parseFrontMatter, splitFrontMatter } from './frontMatter.ts';

describe('splitFrontMatter', () => {
  it('splits on the --- fences and says on which line the body starts', () => {
    expect(splitFrontMatter('---\na: 1\nb: 2\n---\n<p>hi</p>\n')).toEqual({
      yaml: 'a: 1\nb: 2',
      yamlLine: 2,
      body: '<p>hi</p>\n',
      bodyLine: 5,
    });
    expect(splitFrontMatter('<p>hi</p>')).toEqual({ yaml: null, yamlLine: 1, body: '<p>hi</p>', bodyLine: 1 });
    expect(splitFrontMatter('---\r\na: 1\r\n---\r\nx')).toMatchObject({ yaml: 'a: 1', body: 'x', bodyLine: 4 });
    expect(splitFrontMatter('---\na: 1\n')).toEqual({ error: expect.stringContaining('not closed'), line: 1 });
  });
});

describe('parseFrontMatter', () => {
  const parse = (yaml: string[]) =>
    parseFrontMatter('x.hbs', ['---', ...yaml, '---', 'body'].join('\n'), emailFrontMatterSchema, true);

  it('validates and fills defaults', () => {
    const result = parse([
      'subject: "Hi {{lead.firstName}}"',
      'preheader: Hello',
      'kind: faq',
      'stages: [interest]',
      'properties: [plan]',
      'fallbacks: { plan: Growth }',
    ]);
    expect(result.ok && result.value.data).toEqual({
      subject: 'Hi {{lead.firstName}}',
      preheader: 'Hello',
      kind: 'faq',
      stages: ['interest'],
      layout: 'default',
      fallbacks: { plan: 'Growth' },
      properties: ['plan'],
    });
    expect(result.ok && result.value.lineOf(['kind'])).toBe(4);
  });

  it('names the file, the line and the field', () => {
    const result = parse([
      'subject: Hi',
      'preheader: Hello',
      'kind: faq',
      'stages:',
      '  - interest',
      '  - 42',
      'properties: [first-name]',
    ]);
    expect(result).toEqual({
      ok: false,
      problems: [
        { file: 'x.hbs', line: 7, message: expect.stringMatching(/^front matter stages\[1\]: .*expected string/) },
        { file: 'x.hbs', line: 8, message: expect.stringMatching(/^front matter properties\[0\]: must be a plain name/) },
      ],
    });
  });

  it('reports missing required fields at the start of the front matter and YAML errors at their line', () => {
    expect(parse(['subject: Hi', 'kind: faq', 'stages: [a]'])).toEqual({
      ok: false,
      problems: [{ file: 'x.hbs', line: 2, message: expect.stringMatching(/^front matter preheader: /) }],
    });
    const bad = parse(['subject: Hi', 'preheader: [unclosed', 'kind: faq']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]).toMatchObject({ file: 'x.hbs', message: expect.stringContaining('not valid YAML') });
  });
});
