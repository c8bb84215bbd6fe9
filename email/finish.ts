// The last steps every email takes after Handlebars: CSS inlined for mail clients that ignore
// <style>, the open pixel and test banner added, and the plain-text alternative derived from
// the same final HTML so the two parts never disagree.
import { compile, type HtmlToTextOptions } from 'html-to-text';
import juice from 'juice';

const headings = ['h1', 'h2', 'h3', 'h4'].map((selector) => ({ selector, options: { uppercase: false } }));
const textOptions: HtmlToTextOptions = {
  wordwrap: 78,
  baseElements: { selectors: ['body'] },
  selectors: [
    { selector: 'img', format: 'skip' },
    // The preheader is inbox-preview text; in the text part it would repeat the opening line.
    { selector: '.preheader', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['[', ']'] } },
    ...headings,
  ],
};
const htmlToText = compile(textOptions);

const TEST_BANNER =
  '<div style="background:#fef3c7;color:#92400e;border-bottom:2px solid #f59e0b;padding:10px 16px;' +
  'font:bold 14px/1.4 Arial,sans-serif;text-align:center;">TEST EMAIL: a preview sent by hand, not part of a lead\'s journey.</div>';

export interface FinishOptions {
  openPixel?: string | undefined;
  testMarker?: boolean | undefined;
}

export function finishEmail(html: string, opts: FinishOptions): { html: string; text: string } {
  let out = juice(html, { preserveImportant: true });
  if (opts.testMarker) out = insertAfterBodyOpen(out, TEST_BANNER);
  if (opts.openPixel) {
    const pixel = `<img src="${escapeAttribute(opts.openPixel)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;">`;
    out = insertBeforeBodyClose(out, pixel);
  }
  return { html: out, text: htmlToText(out).trim() };
}

function insertAfterBodyOpen(html: string, fragment: string): string {
  const m = /<body\b[^>]*>/i.exec(html);
  if (!m) return fragment + html;
  const at = m.index + m[0].length;
  return html.slice(0, at) + fragment + html.slice(at);
}

function insertBeforeBodyClose(html: string, fragment: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at < 0 ? html + fragment : html.slice(0, at) + fragment + html.slice(at);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
