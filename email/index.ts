// Public API of the email templates: load and render (worker, CLI preview/send-test), lint
// (CLI `templates lint`, worker start-up), and the types the delivery side builds on.
export { loadCatalog, TemplateUnavailableError, type Catalog } from './catalog.ts';
export { lintTemplates } from './lint.ts';
export { formatProblems, type Problem } from './problem.ts';
export type { EmailFrontMatter } from './frontMatter.ts';
export type { RenderContext, RenderedEmail } from './types.ts';
export { SAMPLE_LEAD, sampleRenderContext } from './sample.ts';
