import { asl } from './aslInternals';
import { evaluate, type Bindings } from './jsonata';
import { ASSIGNED, type Context } from './languageContext';
import { AssignedLog, type Variables } from './variables';

/** Every Assign template of the step, evaluated with the variables as they were on entry. */
export async function assignments(
  templates: unknown[],
  b: Bindings,
  jsonata: boolean,
  $: unknown,
  context: Context,
  field = 'Assign',
) {
  const values: Variables = {};
  for (const template of templates) {
    if (template === undefined) continue;
    const evaluated = jsonata
      ? await evaluate(template, b, field)
      : asl.processPayloadTemplate(template, $, context);
    Object.assign(values, evaluated);
  }
  return values;
}

/** Notes what the state assigned, for its StateExited event (the segment's AssignedLog). */
export function noteAssigned(context: Context, state: string, values: Variables): void {
  const log = context[ASSIGNED];
  if (log instanceof AssignedLog) log.note(state, values);
}
