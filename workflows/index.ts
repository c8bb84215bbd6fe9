// Every workflow the worker registers. Workflow code only: bundled for Temporal's sandbox.
export { journeyWorkflow } from './journey/workflow.ts';
