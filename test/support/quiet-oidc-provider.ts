// oidc-provider prints development warnings (in-memory adapter, Node version) on every start;
// they say nothing about the code under test and bury real failures.
const originalWarn = console.warn.bind(console);
const originalInfo = console.info.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return;
  originalWarn(...args);
};
console.info = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return;
  originalInfo(...args);
};
