/** A copy of `value` without its undefined members, so `Object.assign` leaves optional fields absent. @internal */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
