// Walking the step tree of a stage. Pure, so the journey interpreter can use it inside the
// Temporal workflow sandbox without pulling zod into the bundle.
import type { Step } from './types.ts';

/** A position inside a stage's step tree: [2, 'then', 0] is steps[2].then[0]. */
export type StepPath = Array<string | number>;

/** Calls visit for every step of a step list, depth first, with its path in the file. */
export function walkSteps(list: Step[], path: StepPath, visit: (step: Step, path: StepPath) => void): void {
  list.forEach((step, i) => {
    const here = [...path, i];
    visit(step, here);
    if (step.kind === 'waitFor') {
      walkSteps(step.then, [...here, 'then'], visit);
      walkSteps(step.otherwise, [...here, 'otherwise'], visit);
    } else if (step.kind === 'if') {
      walkSteps(step.then, [...here, 'then'], visit);
      walkSteps(step.else, [...here, 'else'], visit);
    }
  });
}

/** Where a step with this id sits in a stage's steps, as a cursor path like [2, 'then', 0]. */
export function findStepPath(list: Step[], stepId: string): StepPath | null {
  let found: StepPath | null = null;
  walkSteps(list, [], (step, path) => {
    if (found === null && step.id === stepId) found = path;
  });
  return found;
}
