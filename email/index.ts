// Public API of the email templates: load and render (worker, CLI preview/send-test), lint
// (CLI `templates lint`, worker start-up), and the types the delivery side builds on.
export { loadCatalog, type Catalog } from './catalog.ts';
export { lintTemplates, type CampaignTemplateRef, type LintOptions } from './lint.ts';
export { formatProblems, TemplateProblemsError, type Problem } from './problem.ts';
export { CONTENT_KINDS, emailFrontMatterSchema, type ContentKind, type EmailFrontMatter } from './frontMatter.ts';
export { DATE_FORMATS, EMAIL_HELPERS, resolveLinkUrl } from './helpers.ts';
export type { RenderContext, RenderedEmail, LeadPropertyValue } from './types.ts';
export { SAMPLE_LEAD, sampleRenderContext } from './sample.ts';
