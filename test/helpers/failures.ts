/** The ApplicationFailure a promise rejects with (failing the test if it resolves or throws something else). */
import { ApplicationFailure } from '@temporalio/common';

export async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}
