/**
 * `T` with every option set: `Required<T>` without the `| undefined` that the public option types
 * allow (so that, under `exactOptionalPropertyTypes`, a user may pass `undefined` for "not set").
 * @internal
 */
export type Defaulted<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };
