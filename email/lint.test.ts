import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems, type Problem } from './problem.ts';
import { lintTemplates } from './lint.ts';
import { emailFile, writeTemplates } from '../test/support/templates.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../templates');

/** Lints a temp templates dir holding one email, `emails/x.hbs`, and returns its problems. */
async function lintEmail(body: string[], frontMatter: string[] = [], extra: Record<string, string> = {}) {
  const dir = await writeTemplates({ 'emails/x.hbs': emailFile(body, frontMatter), ...extra });
  return { dir, file: path.join(dir, 'emails/x.hbs'), problems: lintTemplates(dir) };
}

function only(problems: Problem[]): Problem {
  expect(problems, formatProblems(problems)).toHaveLength(1);
  return problems[0]!;
}

describe('lintTemplates', () => {
  it('passes a clean email', async () => {
    const { problems } = await lintEmail([
      '<p>Hi {{lead.firstName}}</p>',
      '<a href="{{trackedLink "https://x.example"}}">Go</a>',
    ]);
    expect(problems).toEqual([]);
  });

  it('reports a missing partial at its line and column', async () => {
    const { file, problems } = await lintEmail(['<p>Hi</p>', '  {{> fotter}}']);
    expect(only(problems)).toEqual({
      file,
      line: 8,
      column: 3,
      message: expect.stringMatching(/missing partial "fotter".*did you mean "footer"/),
    });
  });

  it('reports an unknown helper', async () => {
    const { file, problems } = await lintEmail(
      ['<p>', 'Renews {{formatDat lead.properties.renewal}}</p>'],
      ['properties: [renewal]'],
    );
    expect(only(problems)).toMatchObject({
      file,
      line: 9,
      column: 10,
      message: expect.stringMatching(/unknown helper "formatDat".*"formatDate"/),
    });
  });

  it('reports a misspelled lead field and suggests the real one', async () => {
    const { file, problems } = await lintEmail(['', '', '<p>Hi {{lead.fristName}}</p>']);
    expect(only(problems)).toMatchObject({
      file,
      line: 9,
      column: 9,
      message: expect.stringMatching(/unknown field "lead.fristName".*did you mean "firstName"/),
    });
  });

  it('reports misspelled fields in the subject at the subject line', async () => {
    const dir = await writeTemplates({
      'emails/x.hbs': [
        '---',
        'subject: "Hi {{lead.frist}}"',
        'preheader: p',
        'kind: faq',
        'stages: [interest]',
        '---',
        '<p>hi</p>',
      ].join('\n'),
    });
    expect(only(lintTemplates(dir))).toMatchObject({ line: 2, message: expect.stringContaining('lead.frist') });
  });

  it('checks custom properties against the declared ones', async () => {
    const { problems } = await lintEmail(['{{lead.properties.plan}}', '{{lead.properties.seats}}'], ['properties: [plan]']);
    expect(only(problems)).toMatchObject({ line: 9, message: expect.stringMatching(/declare "seats" under properties/) });
  });

  it('refuses triple-stash of lead data, in emails and partials', async () => {
    const { dir, file, problems } = await lintEmail(['<p>{{{lead.firstName}}}</p>', '{{> sig}}'], [], {
      'partials/sig.hbs': '\n{{{sender.name}}}',
    });
    expect(problems).toEqual([
      { file, line: 7, column: 4, message: expect.stringMatching(/outputs lead data without HTML escaping/) },
      {
        file: path.join(dir, 'partials/sig.hbs'),
        line: 2,
        column: 1,
        message: expect.stringMatching(/only allowed for \{\{\{body\}\}\} in layouts/),
      },
    ]);
  });

  it('reports non-https links, literal or passed to trackedLink', async () => {
    const { file, problems } = await lintEmail([
      '<p>Read <a class="x"',
      '   href="http://example.com/blog">the blog</a> and <img src="//cdn.example/x.png"></p>',
      '<a href="{{trackedLink "http://example.com"}}">x</a> <a href="{{publicUrl}}/ok">ok</a> <a href="{{trackedLink "/pricing"}}">ok</a>',
    ]);
    expect(problems).toEqual([
      { file, line: 8, column: 4, message: expect.stringContaining('href "http://example.com/blog" must be https') },
      { file, line: 8, column: 57, message: expect.stringContaining('src "//cdn.example/x.png" must be https') },
      { file, line: 9, column: 24, message: expect.stringContaining('link "http://example.com" must be https') },
    ]);
  });

  it('reports invalid front matter at the field line', async () => {
    const dir = await writeTemplates({
      'emails/x.hbs': [
        '---',
        'subject: Hi',
        'preheader: p',
        'kind: newsletter',
        'stages: []',
        'subjet: typo',
        '---',
        '<p>hi</p>',
      ].join('\n'),
    });
    const file = path.join(dir, 'emails/x.hbs');
    const problems = lintTemplates(dir);
    expect(problems.map((p) => [p.file, p.line])).toEqual([
      [file, 4],
      [file, 5],
      [file, 6],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^front matter kind: /),
      expect.stringMatching(/^front matter stages: must name at least one stage/),
      expect.stringMatching(/^front matter subjet: unknown field/),
    ]);
  });

  it('reports fallbacks for fields that do not exist', async () => {
    const { file, problems } = await lintEmail(['hi'], ['properties: [plan]', 'fallbacks:', '  plan: Growth', '  nickname: pal']);
    expect(only(problems)).toEqual({
      file,
      line: 9,
      message: expect.stringMatching(/^front matter fallbacks.nickname: "nickname" is neither a lead field/),
    });
  });

  it('reports a file without front matter, and template syntax errors at their line', async () => {
    const dir = await writeTemplates({
      'emails/bare.hbs': '<p>hi</p>',
      'emails/broken.hbs': emailFile(['<p>', '{{#if lead.company}}', 'x', '{{/each}}']),
    });
    expect(lintTemplates(dir)).toEqual([
      { file: path.join(dir, 'emails/bare.hbs'), line: 1, message: expect.stringContaining('missing front matter') },
      {
        file: path.join(dir, 'emails/broken.hbs'),
        line: 8,
        column: 4,
        message: expect.stringContaining("if doesn't match each"),
      },
    ]);
  });

  it('reports a missing layout at the layout field', async () => {
    const { file, problems } = await lintEmail(['<p>hi</p>'], ['layout: fancy']);
    expect(only(problems)).toEqual({ file, line: 6, message: 'missing layout "fancy": no layouts/fancy.hbs' });
  });

  it('requires the unsubscribe link, the postal address and {{{body}}} in layouts', async () => {
    const dir = await writeTemplates(
      { 'emails/x.hbs': emailFile(['hi']), 'layouts/default.hbs': '<html><body>{{{body}}}{{{body}}}</body></html>' },
      {},
    );
    const messages = lintTemplates(dir).map((p) => p.message);
    expect(messages).toEqual([
      expect.stringContaining('{{{body}}} exactly once (found 2)'),
      expect.stringContaining('no unsubscribe link'),
      expect.stringContaining('no postal address'),
    ]);
  });

  it('checks helper arity and the parameters partials declare', async () => {
    const button = '---\nparams: [url, label]\n---\n<a href="{{url}}">{{label}}</a>';
    const { problems } = await lintEmail(
      ['{{money 5}}', '{{> button url="https://x.example" lable="Go"}}', '{{#trackedLink "https://x.example"}}{{/trackedLink}}'],
      [],
      { 'partials/button.hbs': button },
    );
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [7, '"money" takes 2 argument(s), got 1'],
      [8, 'partial "button" has no parameter "lable" (it declares url, label)'],
      [8, 'partial "button" needs label='],
      [9, '"trackedLink" is not a block helper; use {{trackedLink ...}}'],
    ]);
  });

  it('knows block params and each contexts', async () => {
    const { problems } = await lintEmail([
      '{{#each lead.properties as |value key|}}{{key}}: {{value}} {{@index}} {{../lead.firstName}} {{../lead.nope}}{{/each}}',
    ]);
    expect(only(problems).message).toContain('unknown field "../lead.nope"');
  });

  it('reports a campaign naming a missing template at the campaign file and line', async () => {
    const dir = await writeTemplates({ 'emails/welcome.hbs': emailFile(['hi']) });
    const campaign = path.join(dir, 'campaigns/example.yaml');
    const problems = lintTemplates(dir, {
      campaignRefs: [
        { file: campaign, line: 4, templateId: 'welcome' },
        { file: campaign, line: 12, column: 15, path: 'stages.awareness.steps[1].send', templateId: 'welcom' },
        { file: campaign, line: 14, templateId: 'zzzzzz' },
      ],
    });
    expect(problems).toEqual([
      {
        file: campaign,
        line: 12,
        column: 15,
        path: 'stages.awareness.steps[1].send',
        message: 'no template "welcom"; did you mean "welcome"?',
      },
      { file: campaign, line: 14, path: 'send', message: expect.stringMatching(/^no template "zzzzzz" in .*emails$/) },
    ]);
  });

  it('passes the shipped templates', () => {
    const problems = lintTemplates(SHIPPED);
    expect(formatProblems(problems)).toBe('');
  });
});

describe('formatProblems', () => {
  it('prints file:line:col message with paths relative to the cwd', () => {
    const cwd = path.resolve('/repo');
    const out = formatProblems(
      [
        { file: '/repo/templates/emails/b.hbs', line: 3, message: 'second' },
        { file: '/repo/templates/emails/a.hbs', line: 7, column: 5, message: 'first' },
      ],
      cwd,
    );
    expect(out).toBe('templates/emails/a.hbs:7:5 first\ntemplates/emails/b.hbs:3 second');
  });
});
