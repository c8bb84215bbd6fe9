import path from 'node:path';
import Handlebars from 'handlebars';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from './catalog.ts';
import { TemplateProblemsError } from './problem.ts';
import { emailFile, writeTemplates } from '../test/support/templates.ts';
import type { RenderContext } from './types.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../templates');
const catalog = loadCatalog(SHIPPED);

function context(overrides: Partial<RenderContext> = {}, lead: Partial<RenderContext['lead']> = {}): RenderContext {
  return {
    lead: { id: 'lead-1', email: 'ada@acme.example', firstName: 'Ada', company: 'Acme', timezone: 'Europe/Berlin', ...lead },
    campaign: { id: 'example', name: 'Trial to paid' },
    links: { unsubscribe: 'https://nurture.test/u/tok-1', preferences: 'https://nurture.test/p/tok-1' },
    sender: { name: 'Nurture', postalAddress: 'Nurture Inc., 1 Example Street, Springfield' },
    publicUrl: 'http://localhost:3000',
    ...overrides,
  };
}

afterEach(() => vi.restoreAllMocks());

describe('catalog.render', () => {
  it('escapes lead-supplied values in the HTML and keeps them as text in the text part', () => {
    const email = catalog.render('welcome', context({}, { firstName: '<script>alert(1)</script>' }));
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Welcome aboard, &lt;script&gt;alert(1)&lt;/script&gt;!');
    expect(email.text).toContain('Welcome aboard, <script>alert(1)</script>!');
    // The subject is a header, not HTML: it carries the text as typed.
    expect(email.subject).toBe('Welcome to Nurture, <script>alert(1)</script>');
    expect(email).toMatchObject({ kind: 'welcome', templateId: 'welcome' });
  });

  it('escapes hostile values in every lead field the HTML shows: subject (in the title), names, company, properties', async () => {
    const dir = await writeTemplates({
      'emails/a.hbs': emailFile(
        [
          '<p>Hi {{lead.firstName}} {{lead.lastName}} of {{lead.company}}</p>',
          '<p title="{{lead.lastName}}">Your plan: {{lead.properties.plan}}</p>',
        ],
        ['properties: [plan]'],
      ).replace('subject: "Hi {{lead.firstName}}"', 'subject: "For {{lead.company}}, {{lead.lastName}}"'),
    });
    const hostile = {
      firstName: '<b>First</b>',
      lastName: '"><img src=x onerror=alert(2)>',
      company: '</title><script>alert(1)</script>',
      properties: { plan: '<iframe src="javascript:alert(3)">' },
    };
    const email = loadCatalog(dir).render('a', context({}, hostile));
    for (const markup of ['<b>First', '<img', '<script', '<iframe', '"><']) expect(email.html).not.toContain(markup);
    expect(email.html).toContain('<title>For &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;, &quot;&gt;&lt;img');
    expect(email.html).toContain('Hi &lt;b&gt;First&lt;/b&gt; &quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; of');
    expect(email.html).toContain('title="&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;"');
    expect(email.html).toContain('Your plan: &lt;iframe src&#x3D;&quot;javascript:alert(3)&quot;&gt;');
    // The subject is a header and the text part is text: both carry the values as typed.
    expect(email.subject).toBe(`For ${hostile.company}, ${hostile.lastName}`);
    expect(email.text).toContain(`Your plan: ${hostile.properties.plan}`);
  });

  it('inlines the layout CSS into style attributes', () => {
    const { html } = catalog.render('welcome', context());
    expect(html).toMatch(/<a class="button-link"[^>]* style="[^"]*display: inline-block[^"]*color: #ffffff/);
    expect(html).toMatch(/<h1 style="[^"]*font-size: 24px/);
    expect(html).not.toContain('.button-link {');
    // Media queries cannot be inlined, so they stay in a <style> block.
    expect(html).toContain('@media (max-width: 620px)');
  });

  it('builds the text part from the final HTML: links as text [url], without pixel or preheader', () => {
    const email = catalog.render(
      'welcome',
      context({ links: { ...context().links, openPixel: 'https://nurture.test/o/px-1.gif' } }),
    );
    expect(email.html).toContain('<img src="https://nurture.test/o/px-1.gif" width="1" height="1"');
    expect(email.text).toMatch(/Connect your signup form\s\[https:\/\/app\.nurture\.example\/setup\/signup-form\]/);
    expect(email.text).toMatch(/Unsubscribe\s\[https:\/\/nurture\.test\/u\/tok-1\]/);
    expect(email.text).not.toContain('px-1.gif');
    expect(email.text).not.toContain(email.preheader);
    expect(email.html).toContain(email.preheader);
  });

  it('uses the declared fallbacks for missing lead fields', () => {
    const email = catalog.render('welcome', context({}, { firstName: undefined, company: undefined }));
    expect(email.subject).toBe('Welcome to Nurture, there');
    expect(email.html).toContain('Welcome aboard, there!');
    const offer = catalog.render('offer', context({}, { company: '  ' }));
    expect(offer.subject).toBe('A 30-minute walkthrough for your team?');
  });

  it('renders the discount code and its expiry in the lead time zone', () => {
    const discount = { code: 'NURT-7Q2X', percent: 20, expiresAt: '2025-04-01T02:00:00Z' };
    const berlin = catalog.render('discount', context({ discount }));
    expect(berlin.subject).toBe('Ada, 20% off your first year');
    expect(berlin.html).toContain('<span class="code" style="');
    expect(berlin.html).toContain('>NURT-7Q2X</span>');
    expect(berlin.html).toContain('valid until <strong>April 1, 2025</strong>');
    expect(berlin.html).toContain('$49.00 per seat');
    const la = catalog.render('discount', context({ discount }, { timezone: 'America/Los_Angeles' }));
    expect(la.html).toContain('valid until <strong>March 31, 2025</strong>');
  });

  it('fails a discount email loudly when the send has no discount', () => {
    expect(() => catalog.render('discount', context())).toThrow(
      /rendering template "discount": discountPercent: this send has no discount/,
    );
  });

  it('formats custom property dates in the lead time zone', () => {
    const props = { plan: 'Scale', seats: 12, onboardingCallAt: '2025-03-04T15:00:00Z' };
    const { html } = catalog.render('onboarding-start', context({}, { timezone: 'America/New_York', properties: props }));
    expect(html).toContain('Welcome to the Scale plan, Ada');
    expect(html).toContain('with 12 seats');
    expect(html).toContain('March 4, 2025 at 10:00 AM EST');
  });

  it('tracks links through ctx.track', () => {
    const track = vi.fn((url: string) => `https://nurture.test/c/abc?to=${encodeURIComponent(url)}`);
    const { html, text } = catalog.render('welcome', context({ track }));
    expect(track).toHaveBeenCalledExactlyOnceWith('https://app.nurture.example/setup/signup-form');
    expect(html).toContain('href="https://nurture.test/c/abc?to&#x3D;https%3A%2F%2Fapp.nurture.example%2Fsetup%2Fsignup-form"');
    expect(text).toContain('[https://nurture.test/c/abc?to=https%3A%2F%2Fapp.nurture.example%2Fsetup%2Fsignup-form]');
    // Unsubscribe and preference links are never routed through click tracking.
    expect(html).toContain('href="https://nurture.test/u/tok-1"');
  });

  it('marks test sends in the subject and with a visible banner', () => {
    const email = catalog.render('faq', context({ testMarker: true }));
    expect(email.subject).toBe('[TEST] Your questions about Nurture, answered');
    expect(email.html).toMatch(/<body[^>]*><div [^>]*>TEST EMAIL/);
    expect(email.text.startsWith('TEST EMAIL')).toBe(true);
  });

  it('renders every shipped template with one call to action, the footer links and the postal address', () => {
    const discount = { code: 'NURT-7Q2X', percent: 15, expiresAt: '2025-04-01T12:00:00Z' };
    expect(catalog.ids()).toEqual([
      'case-study',
      'discount',
      'faq',
      'first-value',
      'offer',
      'onboarding-checkin',
      'onboarding-start',
      'onboarding-tips',
      're-engagement',
      'referral',
      'review',
      'testimonial',
      'tutorial',
      'welcome',
    ]);
    for (const id of catalog.ids()) {
      const email = catalog.render(id, context({ discount }));
      expect(email.html.match(/class="button-link"/g), id).toHaveLength(1);
      expect(email.html, id).toContain('href="https://nurture.test/u/tok-1"');
      expect(email.html, id).toContain('href="https://nurture.test/p/tok-1"');
      expect(email.text, id).toContain('Nurture Inc., 1 Example Street, Springfield');
      expect(email.subject, id).not.toMatch(/\{\{|undefined/);
      expect(email.kind).toBe(catalog.get(id)!.kind);
    }
  });

  it('throws for an unknown template id', () => {
    expect(() => catalog.render('nope', context())).toThrow('unknown email template "nope"');
    expect(catalog.get('nope')).toBeUndefined();
    expect(catalog.get('welcome')).toMatchObject({
      kind: 'welcome',
      stages: ['awareness'],
      layout: 'default',
      fallbacks: { firstName: 'there' },
    });
  });
});

describe('loadCatalog', () => {
  it('compiles once at load; a render never parses or compiles', async () => {
    const dir = await writeTemplates({ 'emails/a.hbs': emailFile(['<p>Hi {{lead.firstName}}</p>']) });
    const create = Handlebars.create.bind(Handlebars);
    const envs: (typeof Handlebars)[] = [];
    vi.spyOn(Handlebars, 'create').mockImplementation(() => {
      const env = create();
      envs.push(env);
      return env;
    });
    const loaded = loadCatalog(dir);
    expect(envs).toHaveLength(1);
    const env = envs[0]!;
    const spies = (['parse', 'compile', 'precompile', 'template'] as const).flatMap((name) => [
      vi.spyOn(env, name),
      vi.spyOn(Handlebars, name),
    ]);
    for (let i = 0; i < 3; i++) expect(loaded.render('a', context()).html).toContain('<p>Hi Ada</p>');
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('refuses templates that do not lint clean', async () => {
    const dir = await writeTemplates({ 'emails/a.hbs': emailFile(['{{lead.fristName}}']) });
    expect(() => loadCatalog(dir)).toThrow(TemplateProblemsError);
    expect(() => loadCatalog(dir)).toThrow(/emails\/a\.hbs:7:3 unknown field "lead.fristName"/);
  });

  it('refuses to load when a campaign names a missing template', async () => {
    const dir = await writeTemplates({ 'emails/a.hbs': emailFile(['hi']) });
    expect(() => loadCatalog(dir, { campaignRefs: [{ file: path.join(dir, 'c.yaml'), line: 3, templateId: 'b' }] })).toThrow(
      /c\.yaml:3 send: no template "b"/,
    );
  });

  it('refuses at render time a link built from lead data that is not https', async () => {
    const dir = await writeTemplates({
      'emails/a.hbs': emailFile(['<a href="{{trackedLink lead.properties.site}}">site</a>'], ['properties: [site]']),
    });
    const loaded = loadCatalog(dir);
    expect(() => loaded.render('a', context({}, { properties: { site: 'javascript:alert(1)' } }))).toThrow(/must be https/);
    expect(() => loaded.render('a', context({}, { properties: { site: 'http://evil.example' } }))).toThrow(/must be https/);
    expect(loaded.render('a', context({}, { properties: { site: '/pricing' } })).html).toContain(
      'href="http://localhost:3000/pricing"',
    );
  });

  it('keeps line breaks in lead data out of the subject', async () => {
    const dir = await writeTemplates({ 'emails/a.hbs': emailFile(['hi']) });
    expect(loadCatalog(dir).render('a', context({}, { firstName: 'Ada\r\nBcc: x@y.example' })).subject).toBe(
      'Hi Ada Bcc: x@y.example',
    );
  });
});
