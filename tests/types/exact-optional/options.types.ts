/**
 * Compile-only: the option objects a program builds type-check under
 * `exactOptionalPropertyTypes`, a property given as a possibly-undefined value included (the
 * runtime takes undefined as absent). Checked by `npm run typecheck` with the tsconfig beside it,
 * against the published declarations in dist/. Never executed.
 */
import { defineAm, ErrorCode, initWorld, LamellarError, TypedAmGroup, type Backend } from 'lamellar';

export async function optionTypeTests(backend: Backend | undefined, stats: boolean | undefined, batchSize: number | undefined): Promise<void> {
  const world = await initWorld({ backend, stats });
  const Sq = defineAm('types/exact-optional-sq', (_ctx, a: { x: number }) => a.x * a.x);
  new TypedAmGroup(world, Sq, { batchSize, static: undefined });
  new LamellarError(ErrorCode.INTERNAL, 'x', { details: undefined, cause: undefined });
}
